package dev.converge.agent.etcd;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How to reach etcd and where the keys are.
 *
 * <p>Invariants: at least one endpoint, each {@code http} or {@code https} with a host and port;
 * {@code prefix} starts with {@code /}, does not end with one and holds no empty segment;
 * {@code cert} and {@code key} are both set or both null; {@code password} is set exactly when
 * {@code user} is; {@code callTimeout} is positive; {@code statusTtl} is at least one second.
 * {@link #toString()} never shows the password.
 *
 * @param endpoints   the etcd client URLs
 * @param prefix      the root of converge's keys
 * @param caCert      PEM CA bundle to trust for https endpoints; null for the JDK's defaults
 * @param cert        PEM client certificate, for etcd's client-certificate auth; null for none
 * @param key         PEM private key (PKCS#8) of {@code cert}
 * @param user        etcd user name; null without etcd auth
 * @param password    that user's password
 * @param callTimeout deadline of every unary etcd call (get, put, txn, lease grant and revoke)
 * @param statusTtl   lease time-to-live of published status: how long a dead agent's status stays
 */
public record EtcdSettings(List<URI> endpoints, String prefix, Path caCert, Path cert, Path key,
                           String user, String password, Duration callTimeout, Duration statusTtl) {

    public static final String DEFAULT_PREFIX = "/converge";
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_STATUS_TTL = Duration.ofSeconds(15);

    public EtcdSettings {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no etcd endpoint");
        }
        for (URI u : endpoints) {
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null
                    || u.getPort() < 0) {
                throw new IllegalArgumentException("etcd endpoint " + u + ": expected http://HOST:PORT or https://HOST:PORT");
            }
        }
        Objects.requireNonNull(prefix, "prefix");
        if (!prefix.startsWith("/") || prefix.endsWith("/") || prefix.contains("//")) {
            throw new IllegalArgumentException("etcd prefix '" + prefix
                    + "': must start with /, not end with /, and have no empty segment");
        }
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("a client certificate needs its key, and a key its certificate");
        }
        if ((user == null) != (password == null)) {
            throw new IllegalArgumentException(user == null ? "an etcd password needs a user" : "etcd user " + user + " has no password");
        }
        if (callTimeout.isNegative() || callTimeout.isZero()) {
            throw new IllegalArgumentException("call timeout must be positive: " + callTimeout);
        }
        if (statusTtl.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("status TTL must be at least 1s: " + statusTtl);
        }
    }

    /** Plain settings: these endpoints, the default prefix, timeout and TTL, no TLS, no auth. */
    public static EtcdSettings of(List<URI> endpoints) {
        return new EtcdSettings(endpoints, DEFAULT_PREFIX, null, null, null, null, null,
                DEFAULT_CALL_TIMEOUT, DEFAULT_STATUS_TTL);
    }

    public EtcdSettings withPrefix(String newPrefix) {
        return new EtcdSettings(endpoints, newPrefix, caCert, cert, key, user, password, callTimeout, statusTtl);
    }

    public EtcdSettings withCallTimeout(Duration timeout) {
        return new EtcdSettings(endpoints, prefix, caCert, cert, key, user, password, timeout, statusTtl);
    }

    public EtcdSettings withStatusTtl(Duration ttl) {
        return new EtcdSettings(endpoints, prefix, caCert, cert, key, user, password, callTimeout, ttl);
    }

    /** True when TLS is configured: an https endpoint, a CA or a client certificate. */
    public boolean tls() {
        return caCert != null || cert != null || endpoints.stream().anyMatch(u -> "https".equals(u.getScheme()));
    }

    @Override
    public String toString() {
        return "EtcdSettings[endpoints=" + endpoints + ", prefix=" + prefix + ", caCert=" + caCert + ", cert=" + cert
                + ", key=" + key + ", user=" + user + ", password=" + (password == null ? "none" : "(hidden)")
                + ", callTimeout=" + callTimeout + ", statusTtl=" + statusTtl + "]";
    }
}
