package dev.converge.agent.etcd;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A graph as stored in etcd.
 *
 * <p>Invariants: {@code modRevision > 0}; {@code hash} is the lowercase hex SHA-256 of
 * {@code yaml}'s UTF-8 bytes ({@link #hashOf}); {@code allHosts} is true exactly when the graph
 * came from the {@code _all} key.
 *
 * @param key         the etcd key it was read from
 * @param yaml        the graph text, exactly as deployed
 * @param modRevision the etcd revision of its last write
 * @param hash        see {@link #hashOf}
 * @param allHosts    read from {@code <prefix>/graph/_all} rather than the host's own key
 */
public record StoredGraph(String key, String yaml, long modRevision, String hash, boolean allHosts) {

    public StoredGraph {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(yaml, "yaml");
        if (modRevision <= 0) {
            throw new IllegalArgumentException("modRevision must be positive: " + modRevision);
        }
        if (!hashOf(yaml).equals(hash)) {
            throw new IllegalArgumentException("hash is not the SHA-256 of the yaml");
        }
    }

    static StoredGraph of(String key, String yaml, long modRevision, boolean allHosts) {
        return new StoredGraph(key, yaml, modRevision, hashOf(yaml), allHosts);
    }

    /** The graph hash published in {@link HostStatus#graphHash()}: lowercase hex SHA-256 of the UTF-8 text. */
    public static String hashOf(String yaml) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(yaml.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
