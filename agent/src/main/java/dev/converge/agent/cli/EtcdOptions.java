package dev.converge.agent.cli;

import dev.converge.agent.etcd.EtcdSettings;
import dev.converge.agent.etcd.EtcdStore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The etcd options shared by {@code deploy}, {@code status} and {@code run}: where etcd is, how
 * to authenticate, and the key prefix. The password is never an option: it comes from
 * {@code --etcd-password-file} or the environment variable {@value #PASSWORD_ENV}.
 */
public final class EtcdOptions {

    /** Exit status: etcd could not be reached (within {@code --etcd-retry}). */
    public static final int UNREACHABLE = 3;
    /** Environment variable holding the etcd password when no password file is given. */
    public static final String PASSWORD_ENV = "CONVERGE_ETCD_PASSWORD";

    @Option(names = "--etcd", split = ",", paramLabel = "URL",
            description = "etcd client URLs, comma-separated: http://HOST:PORT or https://HOST:PORT.")
    List<URI> endpoints = new ArrayList<>();

    @Option(names = "--hostname", paramLabel = "NAME",
            description = "This host's name in etcd keys (default: the machine's host name).")
    String hostname;

    @Option(names = "--etcd-prefix", paramLabel = "PREFIX", defaultValue = EtcdSettings.DEFAULT_PREFIX,
            description = "Root of converge's keys in etcd (default: ${DEFAULT-VALUE}).")
    String prefix;

    @Option(names = "--etcd-cacert", paramLabel = "PEM", description = "CA bundle to trust for https endpoints.")
    Path caCert;

    @Option(names = "--etcd-cert", paramLabel = "PEM", description = "Client certificate for TLS client auth.")
    Path cert;

    @Option(names = "--etcd-key", paramLabel = "PEM", description = "Private key (PKCS#8 PEM) of --etcd-cert.")
    Path key;

    @Option(names = "--etcd-user", paramLabel = "USER",
            description = "etcd user; its password comes from --etcd-password-file or $" + PASSWORD_ENV + ".")
    String user;

    @Option(names = "--etcd-password-file", paramLabel = "PATH",
            description = "File whose first line is the etcd user's password.")
    Path passwordFile;

    @Option(names = "--etcd-timeout", paramLabel = "DURATION", defaultValue = "5s", converter = DurationConverter.class,
            description = "Deadline of every etcd call: 500ms, 5s, 1m (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--etcd-retry", paramLabel = "DURATION", defaultValue = "0s", converter = DurationConverter.class,
            description = "Keep retrying, with backoff, while etcd is unreachable, for up to this long (default: ${DEFAULT-VALUE}, one attempt).")
    Duration retry;

    @Option(names = "--etcd-status-ttl", paramLabel = "DURATION", defaultValue = "15s",
            converter = DurationConverter.class,
            description = "Lease of this host's status key: it disappears this long after the agent died "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration statusTtl;

    /** Reads the environment; replaced in tests. */
    Map<String, String> environment = System.getenv();

    /** True when {@code --etcd} was given. */
    public boolean enabled() {
        return !endpoints.isEmpty();
    }

    /** How long callers retry while etcd is unreachable ({@code --etcd-retry}). */
    public Duration retry() {
        return retry;
    }

    /** {@code --hostname}, else the machine's host name; checked for use in keys. */
    public String hostname() {
        return EtcdStore.requireHost(hostname != null ? hostname : machineHostname());
    }

    /**
     * The settings these options describe.
     *
     * @throws IllegalArgumentException saying which option is wrong or missing (usage error)
     * @throws IOException              when the password file cannot be read
     */
    public EtcdSettings settings() throws IOException {
        if (!enabled()) {
            throw new IllegalArgumentException("--etcd=URL[,URL...] is required");
        }
        String password = null;
        if (user != null) {
            if (passwordFile != null) {
                List<String> lines = Files.readAllLines(passwordFile, StandardCharsets.UTF_8);
                password = lines.isEmpty() ? "" : lines.get(0);
            } else {
                password = environment.get(PASSWORD_ENV);
            }
            if (password == null || password.isEmpty()) {
                throw new IllegalArgumentException("--etcd-user " + user + ": no password: give --etcd-password-file or set $"
                        + PASSWORD_ENV);
            }
        } else if (passwordFile != null) {
            throw new IllegalArgumentException("--etcd-password-file needs --etcd-user");
        }
        return new EtcdSettings(endpoints, prefix, caCert, cert, key, user, password, timeout, statusTtl);
    }

    static String machineHostname() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux: ask the JDK.
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot tell this machine's host name (" + e.getMessage() + "): give --hostname");
        }
    }

    /** Durations as {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}; a bare number is seconds. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.strip().toLowerCase(Locale.ROOT);
            try {
                if (v.endsWith("ms")) {
                    return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
                }
                char unit = v.isEmpty() ? ' ' : v.charAt(v.length() - 1);
                String number = Character.isDigit(unit) ? v : v.substring(0, v.length() - 1);
                long n = Long.parseLong(number);
                Duration d = switch (Character.isDigit(unit) ? 's' : unit) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    default -> throw new CommandLine.TypeConversionException("'" + value + "': expected a duration such as 500ms, 5s, 2m");
                };
                if (d.isNegative()) {
                    throw new CommandLine.TypeConversionException("'" + value + "': must not be negative");
                }
                return d;
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + value + "': expected a duration such as 500ms, 5s, 2m");
            }
        }
    }
}
