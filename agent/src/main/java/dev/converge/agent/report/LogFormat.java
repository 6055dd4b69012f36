package dev.converge.agent.report;

import java.io.PrintWriter;
import java.net.URISyntaxException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;

/**
 * How the agent's log lines are written: {@code --log-format=text|json}. Text is
 * {@code log4j2.xml}, loaded at startup; json switches log4j to {@code log4j2-json.xml}, where
 * every event is one JSON object on one line (template {@code converge-log.json}).
 */
public enum LogFormat {
    /** {@code HH:MM:SS.mmm [warning: ]text}, one line per event. */
    TEXT,
    /** One JSON object per line: time, level, resource, event, result, duration, stream, message. */
    JSON;

    /** Makes log4j write in this format from now on; text leaves the startup configuration alone. */
    public void apply() {
        if (this == JSON) {
            try {
                LoggerContext.getContext(false).setConfigLocation(
                        LogFormat.class.getResource("/log4j2-json.xml").toURI());
            } catch (URISyntaxException e) {
                throw new IllegalStateException("log4j2-json.xml has no valid URI", e);
            }
        }
    }

    /**
     * Where to print the lines of a command that prints them itself (the graph loader's
     * diagnostics): {@code text} itself in text format (each line with its priority when stderr
     * is the journal), the log {@code converge} in json.
     */
    public PrintWriter lines(PrintWriter text) {
        if (this == JSON) {
            return new PrintWriter(new LogWriter(LogManager.getLogger("converge")), true);
        }
        return Journal.prefixing() ? Journal.prefixed(text) : text;
    }
}
