package dev.converge.agent.report;

import dev.converge.resources.ResourceId;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.message.MapMessage;
import org.apache.logging.log4j.message.Message;
import org.apache.logging.log4j.message.TimestampMessage;

/**
 * One line of the agent's log, with the fields a log shipper wants and the text a person reads.
 *
 * <p>Invariants: {@code text} is the whole line as text mode prints it after the time and level
 * prefix, and holds no line break (breaks are replaced by spaces so one event stays one line);
 * {@code resource}, {@code result}, {@code duration} and {@code stream} are null when they do
 * not apply; {@code time} is when the line happened, which grouped output prints later;
 * {@code diff} is empty except on a changed or would-change line whose check carried a diff, and
 * is immutable.
 *
 * @param event what happened: start, ok, changed, would-change, failed, retry, skipped, waiting,
 *     output, message, diff (one line of a diff), summary, diagnostic
 * @param result what a check found or why it stopped: its changes, its error, a skip's reason
 * @param stream "stdout" or "stderr" for a command's output line
 * @param diff the check's unified diff, one element per line, for the {@code diff} field of JSON;
 *     text mode prints it as lines of their own (event {@code diff}), see {@link EventLines}
 */
public record LogLine(Instant time, Level level, ResourceId resource, String event, String result,
        Duration duration, String stream, String text, List<String> diff) {

    public LogLine {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(event, "event");
        text = oneLine(Objects.requireNonNull(text, "text"));
        result = result == null ? null : oneLine(result);
        diff = List.copyOf(diff);
    }

    /** A line without a diff. */
    public LogLine(Instant time, Level level, ResourceId resource, String event, String result, Duration duration,
            String stream, String text) {
        this(time, level, resource, event, result, duration, stream, text, List.of());
    }

    /** A line about a resource, happening now. */
    public static LogLine of(Level level, ResourceId resource, String event, String result, Duration duration,
            String text) {
        return new LogLine(Instant.now(), level, resource, event, result, duration, null, text);
    }

    /** A line of the agent itself (no resource), happening now. */
    public static LogLine agent(Level level, String event, String result, Duration duration, String text) {
        return new LogLine(Instant.now(), level, null, event, result, duration, null, text);
    }

    /** Writes this line as one log event, stamped with {@link #time()}. */
    public void log(Logger logger) {
        logger.log(level, toMessage());
    }

    /**
     * This line as a log4j message: its map carries the fields (duration as seconds, a number;
     * diff, when there is one, as a list of strings), and its formatted form is {@link #text()},
     * so a pattern's {@code %msg} prints the text.
     */
    public Message toMessage() {
        var message = new Structured(time.toEpochMilli(), text);
        if (resource != null) {
            message.with("resource", resource.toString());
        }
        message.with("event", event);
        if (result != null) {
            message.with("result", result);
        }
        if (duration != null) {
            message.with("duration", seconds(duration));
        }
        if (stream != null) {
            message.with("stream", stream);
        }
        if (!diff.isEmpty()) {
            message.with("diff", diff);
        }
        return message;
    }

    /** Seconds with millisecond precision, as a number for JSON. */
    static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }

    private static String oneLine(String s) {
        return s.indexOf('\n') < 0 && s.indexOf('\r') < 0 ? s : s.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
    }

    /** This line carrying {@code diff}. */
    public LogLine withDiff(List<String> diff) {
        return new LogLine(time, level, resource, event, result, duration, stream, text, diff);
    }

    /** A map message whose every rendering is the line's text; filled once, before it is logged. */
    private static final class Structured extends MapMessage<Structured, Object> implements TimestampMessage {

        private final long timestamp;
        private final String text;

        Structured(long timestamp, String text) {
            super(7);
            this.timestamp = timestamp;
            this.text = text;
        }

        @Override
        public long getTimestamp() {
            return timestamp;
        }

        @Override
        public String getFormat() {
            return text;
        }

        @Override
        public String getFormattedMessage() {
            return text;
        }

        @Override
        public String getFormattedMessage(String[] formats) {
            return text;
        }

        @Override
        public String asString() {
            return text;
        }

        @Override
        public String asString(String format) {
            return text;
        }

        @Override
        public void formatTo(StringBuilder buffer) {
            buffer.append(text);
        }

        @Override
        public void formatTo(String[] formats, StringBuilder buffer) {
            buffer.append(text);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
