package dev.converge.agent.yaml;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.converge.agent.graph.Diagnostic;
import dev.converge.agent.graph.SourceLocation;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.reader.ReaderException;

/**
 * Reads one YAML document into a {@link YamlNode} tree with Jackson's streaming YAML parser,
 * keeping the line and column of every key and value.
 *
 * <p>A repeated key (the first is kept) and an alias (read as null) are reported as errors and
 * the reading goes on; the start of a second document is reported and ends it; a syntax error
 * stops it. One instance serves one read.
 */
final class YamlTreeReader {

    /**
     * With EMPTY_STRING_AS_NULL a key with no value ({@code content:}) reads as null while a
     * quoted empty string ({@code content: ''}) stays a string; the builder leaves it off.
     */
    private static final YAMLFactory FACTORY = YAMLFactory.builder()
            .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL)
            .loaderOptions(loaderOptions())
            .build();

    /** A graph of 100,000 resources is about 15 MB of YAML; SnakeYAML's default stops at 3 MB. */
    static final int MAX_CODE_POINTS = 256 * 1024 * 1024;

    /** How deep mappings and lists may nest; a graph needs five or six levels. */
    static final int MAX_DEPTH = 64;

    private static LoaderOptions loaderOptions() {
        var options = new LoaderOptions();
        options.setCodePointLimit(MAX_CODE_POINTS);
        return options;
    }
    private static final Pattern INFINITY = Pattern.compile("[-+]?\\.(inf|Inf|INF)");
    private static final Pattern NAN = Pattern.compile("\\.(nan|NaN|NAN)");

    /** A syntax error that stopped the reading; {@link #diagnostic()} says where and what. */
    static final class SyntaxError extends Exception {

        private final transient Diagnostic diagnostic;

        SyntaxError(Diagnostic diagnostic) {
            super(diagnostic.toString());
            this.diagnostic = diagnostic;
        }

        Diagnostic diagnostic() {
            return diagnostic;
        }
    }

    /** Keys of one mapping checked for duplicates by a scan, before a map takes over. */
    private static final int SCANNED_KEYS = 8;

    private final String source;
    private final List<Diagnostic> problems;
    private YAMLParser parser;
    private int depth;

    /** Mappings and lists nest deeper than {@link #MAX_DEPTH}, from {@link #where} on. */
    private static final class TooDeep extends IOException {

        private final SourceLocation where;

        TooDeep(SourceLocation where) {
            super("nesting too deep");
            this.where = where;
        }
    }

    private YamlTreeReader(String source, List<Diagnostic> problems) {
        this.source = source;
        this.problems = problems;
    }

    /**
     * Reads {@code yaml}, adding non-fatal errors to {@code problems}.
     *
     * @return the document's root, or null when the text holds no document at all
     * @throws SyntaxError when the text is not well-formed YAML
     */
    static YamlNode read(String source, String yaml, List<Diagnostic> problems) throws SyntaxError {
        return new YamlTreeReader(source, problems).readDocument(yaml);
    }

    private YamlNode readDocument(String yaml) throws SyntaxError {
        try (YAMLParser p = FACTORY.createParser(yaml)) {
            parser = p;
            JsonToken first = p.nextToken();
            if (first == null) {
                return null;
            }
            YamlNode root = readValue(first);
            if (p.nextToken() != null) {
                problems.add(Diagnostic.error(here(),
                        "a graph file holds one YAML document; a second one starts here"));
            }
            return root;
        } catch (TooDeep e) {
            throw new SyntaxError(Diagnostic.error(e.where, "mappings and lists nest deeper than " + MAX_DEPTH
                    + " levels here; a graph needs a handful"));
        } catch (JsonProcessingException e) {
            throw new SyntaxError(unprintable(yaml, e).orElseGet(() -> syntaxDiagnostic(e)));
        } catch (IOException e) {
            throw new SyntaxError(Diagnostic.error(parser == null ? at(null) : here(),
                    "YAML syntax error: " + e.getMessage()));
        } catch (YAMLException e) {
            throw new SyntaxError(unprintable(yaml, e).orElseGet(() -> syntaxDiagnostic(e)));
        }
    }

    /**
     * When the parser stopped at a character YAML text cannot hold (a control character other
     * than tab and line breaks, DEL, a C1 control): the first such character, at its own line and
     * column. Empty for any other error.
     */
    private Optional<Diagnostic> unprintable(String yaml, Exception e) {
        boolean reader = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            reader |= t instanceof ReaderException;
        }
        if (!reader) {
            return Optional.empty();
        }
        int line = 1;
        int column = 1;
        for (int i = 0; i < yaml.length(); ) {
            int c = yaml.codePointAt(i);
            if (c == '\n') {
                line++;
                column = 1;
            } else if (!printable(c)) {
                return Optional.of(Diagnostic.error(new SourceLocation(source, line, column),
                        String.format("the character U+%04X cannot appear in YAML text; inside double quotes write"
                                + " it as the escape \\u%04x", c, c)));
            } else {
                column++;
            }
            i += Character.charCount(c);
        }
        return Optional.empty();
    }

    /** YAML 1.1's printable set: tab, line breaks, and everything but the other C0 and C1 controls and DEL. */
    private static boolean printable(int c) {
        return c == '\t' || c == '\n' || c == '\r' || c == 0x85
                || (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd)
                || (c >= 0x10000 && c <= 0x10ffff);
    }

    private YamlNode readValue(JsonToken token) throws IOException {
        if (token == null) {
            throw new IOException("unexpected end of the YAML stream");
        }
        return switch (token) {
            case START_OBJECT -> readMapping();
            case START_ARRAY -> readSequence();
            default -> readScalar(token);
        };
    }

    /** Counts one more level of nesting, starting here. */
    private void deeper() throws TooDeep {
        if (++depth > MAX_DEPTH) {
            throw new TooDeep(here());
        }
    }

    private YamlNode readMapping() throws IOException {
        SourceLocation start = here();
        deeper();
        var entries = new ArrayList<YamlNode.Entry>();
        // Most mappings hold a few keys: duplicates are found by a scan until there are more.
        Map<String, SourceLocation> firstSeen = null;
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
            if (t != JsonToken.FIELD_NAME) {
                throw new IOException("unexpected " + t + " in a mapping");
            }
            String key = parser.currentName();
            SourceLocation keyLocation = here();
            YamlNode value = readValue(parser.nextToken());
            SourceLocation earlier = null;
            if (firstSeen != null) {
                earlier = firstSeen.putIfAbsent(key, keyLocation);
            } else {
                for (YamlNode.Entry e : entries) {
                    if (e.key().equals(key)) {
                        earlier = e.keyLocation();
                        break;
                    }
                }
                if (entries.size() >= SCANNED_KEYS) {
                    firstSeen = new HashMap<>();
                    for (YamlNode.Entry e : entries) {
                        firstSeen.put(e.key(), e.keyLocation());
                    }
                    firstSeen.putIfAbsent(key, keyLocation);
                }
            }
            if (earlier != null) {
                problems.add(Diagnostic.error(keyLocation, "duplicate key '" + key + "' (first at "
                        + earlier.line() + ":" + earlier.column() + ")"));
            } else {
                entries.add(new YamlNode.Entry(key, keyLocation, value));
            }
        }
        depth--;
        return new YamlNode.Mapping(entries, entries.isEmpty() ? start : entries.getFirst().keyLocation());
    }

    private YamlNode readSequence() throws IOException {
        SourceLocation start = here();
        deeper();
        var items = new ArrayList<YamlNode>();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
            items.add(readValue(t));
        }
        depth--;
        return new YamlNode.Sequence(items, start);
    }

    private YamlNode readScalar(JsonToken token) throws IOException {
        SourceLocation at = here();
        if (parser.isCurrentAlias()) {
            problems.add(Diagnostic.error(at,
                    "YAML alias '*" + parser.getText() + "' is not supported; write the value out"));
            return new YamlNode.Scalar(JsonToken.VALUE_NULL, "", null, at);
        }
        String text = token == JsonToken.VALUE_NULL ? "" : parser.getText();
        Object value = switch (token) {
            case VALUE_NULL -> null;
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NUMBER_INT -> number(text);
            case VALUE_NUMBER_FLOAT -> INFINITY.matcher(text).matches()
                    ? (text.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY)
                    : NAN.matcher(text).matches() ? Double.NaN : number(text);
            default -> text;
        };
        return new YamlNode.Scalar(token, text, value, at);
    }

    /** The parser's number, or the text itself when Jackson cannot decode it. */
    private Object number(String text) throws IOException {
        try {
            return parser.getNumberValue();
        } catch (JsonProcessingException | NumberFormatException e) {
            return text;
        }
    }

    private SourceLocation here() {
        return at(parser.currentTokenLocation());
    }

    private SourceLocation at(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return new SourceLocation(source, 1, 1);
        }
        return new SourceLocation(source, location.getLineNr(), Math.max(1, location.getColumnNr()));
    }

    /** Prefers SnakeYAML's mark of the problem (0-based) over Jackson's, which points at the last good token. */
    private Diagnostic syntaxDiagnostic(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
                Mark mark = marked.getProblemMark();
                String message = "YAML syntax error: " + marked.getProblem();
                Mark context = marked.getContextMark();
                if (marked.getContext() != null && context != null) {
                    message += " (" + marked.getContext() + " started at "
                            + (context.getLine() + 1) + ":" + (context.getColumn() + 1) + ")";
                }
                return Diagnostic.error(
                        new SourceLocation(source, mark.getLine() + 1, mark.getColumn() + 1), message);
            }
        }
        SourceLocation where = e instanceof JsonProcessingException j ? at(j.getLocation()) : at(null);
        String text = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        String firstLine = text == null ? "malformed YAML" : text.lines().findFirst().orElse(text);
        return Diagnostic.error(where, "YAML syntax error: " + firstLine);
    }
}
