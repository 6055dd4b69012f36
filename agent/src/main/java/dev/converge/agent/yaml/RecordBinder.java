package dev.converge.agent.yaml;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.core.JsonToken;
import dev.converge.agent.graph.SourceLocation;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Binds the entries of a YAML mapping onto a parameter record, by reflection over its
 * {@link RecordComponent}s, starting from a record of defaults and converting each given value
 * with Jackson to the component's generic type.
 *
 * <p>Conversion is strict: no string-to-number or number-to-boolean coercion, no truncating
 * floats into whole numbers. Two rules come before Jackson: a {@code String} (also inside a list
 * or a map) takes any scalar's source text, so {@code 0644} stays {@code "0644"}; a YAML null
 * field keeps its default, except that a {@code String} field whose default is not null
 * becomes {@code ""}. A null inside a list or a map is an error.
 *
 * <p>Thread-safe.
 */
final class RecordBinder {

    /**
     * A value that could not be bound: where it is and what is wrong, e.g.
     * {@code timeout: expected a whole number, got 'abc'}.
     */
    record Mismatch(SourceLocation where, String message) {
    }

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private final Map<Class<?>, Shape> shapes = new ConcurrentHashMap<>();

    /** The names of {@code type}'s components, sorted. */
    SortedSet<String> fieldNames(Class<? extends Record> type) {
        return shape(type).names();
    }

    /**
     * Binds {@code entries} onto a copy of {@code defaults}. Each entry's key must name a
     * component of the record; the caller reports the others.
     *
     * @param prefix   put before field names in messages, e.g. {@code "meta."}
     * @param fallback where to report a failure that belongs to no single value
     * @param out      receives one mismatch per value that did not convert
     * @return the bound record, or null when anything was added to {@code out}
     */
    Record bind(Record defaults, List<YamlNode.Entry> entries, String prefix, SourceLocation fallback,
            List<Mismatch> out) {
        Shape shape = shape(defaults.getClass());
        Object[] values = shape.valuesOf(defaults);
        boolean failed = false;
        for (YamlNode.Entry entry : entries) {
            Integer i = shape.index().get(entry.key());
            if (i == null) {
                throw new IllegalArgumentException(entry.key() + " is not a field of " + shape.type().getName());
            }
            RecordComponent component = shape.components()[i];
            try {
                values[i] = convertField(entry.value(), MAPPER.constructType(component.getGenericType()),
                        values[i], prefix + entry.key());
            } catch (MismatchException e) {
                out.add(e.mismatch);
                failed = true;
            }
        }
        if (failed) {
            return null;
        }
        try {
            return (Record) shape.constructor().newInstance(values);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            out.add(new Mismatch(fallback, "invalid parameters: "
                    + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage())));
            return null;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct " + shape.type().getName(), e);
        }
    }

    private Shape shape(Class<?> type) {
        return shapes.computeIfAbsent(type, Shape::of);
    }

    private static Object convertField(YamlNode node, JavaType type, Object defaultValue, String path)
            throws MismatchException {
        if (node instanceof YamlNode.Scalar s && s.isNull()) {
            return type.getRawClass() == String.class && defaultValue != null ? "" : defaultValue;
        }
        Object value = toJava(node, type, path);
        return type.isContainerType() ? convert(value, type, node, path) : value;
    }

    /**
     * The Java value of {@code node} shaped for {@code type}: strings from source text,
     * containers element by element, other scalars converted by Jackson.
     */
    private static Object toJava(YamlNode node, JavaType type, String path) throws MismatchException {
        if (type.getRawClass() == String.class) {
            if (node instanceof YamlNode.Scalar s && !s.isNull()) {
                return s.text();
            }
            throw mismatch(node, type, path);
        }
        if (type.isCollectionLikeType() || type.isArrayType()) {
            if (!(node instanceof YamlNode.Sequence sequence)) {
                throw mismatch(node, type, path);
            }
            var list = new ArrayList<Object>(sequence.items().size());
            for (int i = 0; i < sequence.items().size(); i++) {
                list.add(toJava(sequence.items().get(i), type.getContentType(), path + "[" + i + "]"));
            }
            return list;
        }
        if (type.isMapLikeType()) {
            if (!(node instanceof YamlNode.Mapping mapping)) {
                throw mismatch(node, type, path);
            }
            var map = new LinkedHashMap<String, Object>();
            for (YamlNode.Entry e : mapping.entries()) {
                map.put(e.key(), toJava(e.value(), type.getContentType(), path + "." + e.key()));
            }
            return map;
        }
        Object natural = natural(node);
        if (natural == null) {
            throw mismatch(node, type, path);
        }
        return convert(natural, type, node, path);
    }

    private static Object convert(Object value, JavaType type, YamlNode node, String path) throws MismatchException {
        try {
            return MAPPER.convertValue(value, type);
        } catch (IllegalArgumentException e) {
            throw mismatch(node, type, path);
        }
    }

    /** Plain Java value of a node: scalar values, lists and maps of them. */
    private static Object natural(YamlNode node) {
        return switch (node) {
            case YamlNode.Scalar s -> s.value();
            case YamlNode.Sequence q -> q.items().stream().map(RecordBinder::natural)
                    .collect(Collectors.toCollection(ArrayList::new));
            case YamlNode.Mapping m -> {
                var map = new LinkedHashMap<String, Object>();
                m.entries().forEach(e -> map.put(e.key(), natural(e.value())));
                yield map;
            }
        };
    }

    private static MismatchException mismatch(YamlNode node, JavaType type, String path) {
        String expected = expected(type);
        if (node instanceof YamlNode.Scalar s && s.token() == JsonToken.VALUE_NUMBER_INT) {
            String range = integralRange(type.getRawClass());
            if (range != null) {
                expected = "a whole number from " + range;
            }
        }
        return new MismatchException(new Mismatch(node.location(),
                path + ": expected " + expected + ", got " + YamlNode.describe(node)));
    }

    private static String integralRange(Class<?> raw) {
        if (raw == int.class || raw == Integer.class) {
            return Integer.MIN_VALUE + " to " + Integer.MAX_VALUE;
        }
        if (raw == long.class || raw == Long.class) {
            return Long.MIN_VALUE + " to " + Long.MAX_VALUE;
        }
        if (raw == short.class || raw == Short.class) {
            return Short.MIN_VALUE + " to " + Short.MAX_VALUE;
        }
        if (raw == byte.class || raw == Byte.class) {
            return Byte.MIN_VALUE + " to " + Byte.MAX_VALUE;
        }
        return null;
    }

    /** What a value of {@code type} looks like, for messages: {@code a whole number}, {@code a list of strings}. */
    static String expected(JavaType type) {
        Class<?> raw = type.getRawClass();
        if (type.isCollectionLikeType() || type.isArrayType()) {
            return "a list of " + plural(type.getContentType());
        }
        if (type.isMapLikeType()) {
            return "a map of " + plural(type.getContentType());
        }
        if (raw == String.class) {
            return "a string";
        }
        if (integralRange(raw) != null) {
            return "a whole number";
        }
        if (raw == double.class || raw == Double.class || raw == float.class || raw == Float.class) {
            return "a number";
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return "true or false";
        }
        if (raw.isEnum()) {
            return "one of " + Arrays.stream(raw.getEnumConstants()).map(String::valueOf)
                    .collect(Collectors.joining(", "));
        }
        return "a " + raw.getSimpleName();
    }

    private static String plural(JavaType type) {
        Class<?> raw = type.getRawClass();
        if (raw == String.class) {
            return "strings";
        }
        if (integralRange(raw) != null) {
            return "whole numbers";
        }
        if (raw == double.class || raw == Double.class || raw == float.class || raw == Float.class) {
            return "numbers";
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return "true/false values";
        }
        return raw.getSimpleName() + " values";
    }

    /** The reflective view of one record class. */
    private record Shape(
            Class<?> type,
            RecordComponent[] components,
            Map<String, Integer> index,
            SortedSet<String> names,
            Constructor<?> constructor) {

        static Shape of(Class<?> type) {
            if (!type.isRecord()) {
                throw new IllegalArgumentException(type.getName() + " is not a record");
            }
            RecordComponent[] components = type.getRecordComponents();
            var index = new LinkedHashMap<String, Integer>();
            for (int i = 0; i < components.length; i++) {
                index.put(components[i].getName(), i);
                components[i].getAccessor().trySetAccessible();
            }
            Class<?>[] types = Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
            try {
                Constructor<?> constructor = type.getDeclaredConstructor(types);
                constructor.trySetAccessible();
                return new Shape(type, components, Collections.unmodifiableMap(index),
                        Collections.unmodifiableSortedSet(new TreeSet<>(index.keySet())), constructor);
            } catch (NoSuchMethodException e) {
                throw new IllegalArgumentException(type.getName() + " has no canonical constructor", e);
            }
        }

        Object[] valuesOf(Record record) {
            Object[] values = new Object[components.length];
            for (int i = 0; i < components.length; i++) {
                try {
                    values[i] = components[i].getAccessor().invoke(record);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot read " + components[i].getName()
                            + " of " + type.getName(), e);
                }
            }
            return values;
        }
    }

    private static final class MismatchException extends Exception {

        private final transient Mismatch mismatch;

        MismatchException(Mismatch mismatch) {
            super(mismatch.message(), null, false, false);
            this.mismatch = Objects.requireNonNull(mismatch);
        }
    }
}
