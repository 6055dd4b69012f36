package dev.converge.agent.report;

import java.io.Writer;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.Logger;

/**
 * A writer that logs each line written to it as one {@code diagnostic} event, so text meant for
 * a terminal (the graph loader's {@code file:line:col: severity: message} lines) goes through
 * the log's format. The level comes from the severity word: {@code warning} is WARN,
 * {@code info} is INFO, anything else (errors, "invalid graph", "cannot read") is ERROR.
 *
 * <p>A line is logged when its line break is written; {@link #close()} logs an unfinished last
 * line. Thread-safe.
 */
public final class LogWriter extends Writer {

    private final Logger logger;
    private final StringBuilder pending = new StringBuilder();

    public LogWriter(Logger logger) {
        this.logger = logger;
    }

    @Override
    public synchronized void write(char[] chars, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            char c = chars[i];
            if (c == '\n') {
                emit();
            } else if (c != '\r') {
                pending.append(c);
            }
        }
    }

    @Override
    public void flush() {
        // Only whole lines are logged; they are logged at once.
    }

    @Override
    public synchronized void close() {
        if (!pending.isEmpty()) {
            emit();
        }
    }

    private void emit() {
        String text = pending.toString();
        pending.setLength(0);
        LogLine.agent(level(text), "diagnostic", null, null, text).log(logger);
    }

    static Level level(String line) {
        if (line.contains(": warning: ")) {
            return Level.WARN;
        }
        return line.contains(": info: ") ? Level.INFO : Level.ERROR;
    }
}
