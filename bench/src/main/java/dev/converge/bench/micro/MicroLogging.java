package dev.converge.bench.micro;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.DefaultConfiguration;

/**
 * Switches log4j to {@code log4j2-micro.xml} (the engine's lines to /dev/null) for the length of
 * a benchmark trial, and back. Done in code, not with a {@code log4j2.xml} on the bench module's
 * class path, so nothing else run from that class path loses its log; it also holds with JMH's
 * {@code -f 0} and when a test calls a benchmark directly.
 */
public final class MicroLogging {

    /** The configuration, on the class path. */
    public static final String CONFIG = "log4j2-micro.xml";

    private MicroLogging() {
    }

    /**
     * Makes log4j use {@value #CONFIG}.
     *
     * @return where the configuration in use before came from, for {@link #restore}; null when it
     *     came from no file (log4j's default)
     */
    public static URI discardEngineLines() {
        URL config = MicroLogging.class.getClassLoader().getResource(CONFIG);
        if (config == null) {
            throw new IllegalStateException(CONFIG + " is not on the class path");
        }
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        URI previous = context.getConfiguration().getConfigurationSource().getURI();
        try {
            context.setConfigLocation(config.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("bad location of " + CONFIG + ": " + config, e);
        }
        return previous;
    }

    /** Goes back to the configuration {@link #discardEngineLines} replaced. */
    public static void restore(URI previous) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        if (previous != null) {
            context.setConfigLocation(previous);
        } else {
            context.setConfiguration(new DefaultConfiguration());
        }
    }
}
