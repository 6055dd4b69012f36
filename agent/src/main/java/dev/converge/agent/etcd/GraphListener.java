package dev.converge.agent.etcd;

import java.util.Optional;

/**
 * Told about a host's graph by {@link EtcdStore#watchGraph}. Calls come from the watch's own
 * thread, one at a time, in order; a call that blocks delays the next ones (and nothing else).
 */
public interface GraphListener {

    /**
     * The host's graph is now {@code graph}: its own key's when present, else {@code _all}'s, or
     * empty when neither exists. Called first with the graph found when the watch starts, then on
     * every change, and again after a reconnect when anything changed meanwhile or etcd was wiped.
     * The same graph (key and modification revision) is never reported twice in a row, except
     * after etcd was wiped.
     */
    void graphChanged(Optional<StoredGraph> graph);

    /**
     * etcd could not be reached or refused the watch; the watch retries with backoff and reports
     * the graph again when it gets through. Does nothing by default.
     */
    default void unavailable(EtcdStoreException error) {
    }
}
