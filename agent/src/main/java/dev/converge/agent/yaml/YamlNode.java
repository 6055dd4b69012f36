package dev.converge.agent.yaml;

import com.fasterxml.jackson.core.JsonToken;
import dev.converge.agent.graph.SourceLocation;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A node of a parsed YAML document that remembers where it was written. Immutable.
 *
 * <p>Every node, and every key of a {@link Mapping}, carries the 1-based line and column of its
 * first character in the source.
 */
sealed interface YamlNode {

    SourceLocation location();

    /**
     * A scalar: its YAML type as Jackson resolved it, its text as written (after YAML's own
     * quoting and folding rules, so {@code 0644} stays {@code "0644"}), and its natural Java value.
     *
     * <p>Invariants: {@code text} is never null ({@code ""} for a null scalar); {@code value} is
     * null exactly when {@code token} is {@link JsonToken#VALUE_NULL}; otherwise it is a
     * {@code String}, {@code Boolean}, or {@code Number} (integers as {@code Integer},
     * {@code Long} or {@code BigInteger}; floats as {@code Double}, including YAML's
     * {@code .inf}, {@code -.inf} and {@code .nan}).
     */
    record Scalar(JsonToken token, String text, Object value, SourceLocation location) implements YamlNode {

        public Scalar {
            Objects.requireNonNull(token, "token");
            Objects.requireNonNull(text, "text");
            Objects.requireNonNull(location, "location");
            if ((token == JsonToken.VALUE_NULL) != (value == null)) {
                throw new IllegalArgumentException("value must be null exactly for a null scalar");
            }
        }

        boolean isNull() {
            return token == JsonToken.VALUE_NULL;
        }
    }

    /** A sequence; {@code location} is that of its start. */
    record Sequence(List<YamlNode> items, SourceLocation location) implements YamlNode {

        public Sequence {
            items = List.copyOf(items);
            Objects.requireNonNull(location, "location");
        }
    }

    /**
     * A mapping with string keys, in source order. Invariant: keys are distinct (the reader
     * reports a repeated key as an error and keeps the first). {@code location} is that of the
     * first key, or of the mapping's start when it is empty.
     */
    record Mapping(List<Entry> entries, SourceLocation location) implements YamlNode {

        public Mapping {
            entries = List.copyOf(entries);
            Objects.requireNonNull(location, "location");
            var seen = new java.util.HashSet<String>();
            for (Entry e : entries) {
                if (!seen.add(e.key())) {
                    throw new IllegalArgumentException("duplicate key " + e.key());
                }
            }
        }

        Optional<Entry> entry(String key) {
            return entries.stream().filter(e -> e.key().equals(key)).findFirst();
        }

        /** The entries whose key is not in {@code keys}, in source order. */
        List<Entry> entriesExcept(java.util.Set<String> keys) {
            var rest = new ArrayList<Entry>();
            for (Entry e : entries) {
                if (!keys.contains(e.key())) {
                    rest.add(e);
                }
            }
            return rest;
        }
    }

    /** One key of a mapping, where the key was written, and its value. */
    record Entry(String key, SourceLocation keyLocation, YamlNode value) {

        public Entry {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(keyLocation, "keyLocation");
            Objects.requireNonNull(value, "value");
        }
    }

    /**
     * How a node is named in messages: {@code 'text'} for a scalar (its first line, cut at 40
     * characters), or {@code null}, {@code a list}, {@code a map}.
     */
    static String describe(YamlNode node) {
        return switch (node) {
            case Scalar s when s.isNull() -> "null";
            case Scalar s -> "'" + abbreviate(s.text()) + "'";
            case Sequence q -> "a list";
            case Mapping m -> "a map";
        };
    }

    private static String abbreviate(String text) {
        int newline = text.indexOf('\n');
        String first = newline < 0 ? text : text.substring(0, newline);
        boolean cut = first.length() > 40 || (newline >= 0 && newline < text.length() - 1);
        return cut ? first.substring(0, Math.min(40, first.length())) + "..." : first;
    }
}
