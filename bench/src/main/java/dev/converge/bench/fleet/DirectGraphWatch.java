package dev.converge.bench.fleet;

import dev.converge.agent.etcd.EtcdStore;
import dev.converge.agent.etcd.EtcdStoreException;
import dev.converge.agent.etcd.GraphListener;
import dev.converge.agent.etcd.StoredGraph;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The etcd calls of {@link EtcdStore#watchGraph}, made asynchronously on a shared jetcd client
 * instead of on a thread of the host's own: a transaction reading {@code graph/<host>} and
 * {@code graph/_all} at one revision; one watch on each key from the next revision (each its own
 * gRPC watch stream, as jetcd opens one per watcher); on any event the same transaction again,
 * and a report when the host's graph (key, modification revision) changed; on an error both
 * watches closed, then after a backoff of 100 ms doubling to 2 s (jittered) read and watch again.
 *
 * <p>etcd sees the same requests as from the agent; the load generator saves a platform thread
 * and a blocked call per host, which is what lets one small machine simulate 10,000 hosts. Not
 * reproduced: the agent's detection of a wiped etcd (cluster id, revision or term going back).
 */
final class DirectGraphWatch implements AutoCloseable {

    private static final long BACKOFF_FIRST_MS = 100;
    private static final long BACKOFF_MAX_MS = 2_000;

    private record Seen(String key, long modRevision) {}

    private final Client client;
    private final String ownKey;
    private final String allKey;
    private final long callTimeoutMillis;
    private final GraphListener listener;
    private final Object lock = new Object();
    // Guarded by lock.
    private boolean closed;
    private long session;
    private boolean reading;
    private boolean dirty;
    private List<Watch.Watcher> watchers = List.of();
    private Seen seen;
    private boolean reported;
    private long backoffMs = BACKOFF_FIRST_MS;

    private DirectGraphWatch(Client client, String ownKey, String allKey, long callTimeoutMillis,
                             GraphListener listener) {
        this.client = client;
        this.ownKey = ownKey;
        this.allKey = allKey;
        this.callTimeoutMillis = callTimeoutMillis;
        this.listener = listener;
    }

    /** Starts following the graph of the host whose keys these are; closing the result stops it. */
    static DirectGraphWatch start(Client client, String ownKey, String allKey, long callTimeoutMillis,
                                  GraphListener listener) {
        DirectGraphWatch w = new DirectGraphWatch(client, ownKey, allKey, callTimeoutMillis, listener);
        w.connect();
        return w;
    }

    private void connect() {
        long s;
        synchronized (lock) {
            if (closed) {
                return;
            }
            s = ++session;
            reading = true;
            dirty = false;
        }
        read().whenComplete((r, error) -> {
            if (error != null) {
                failed(s, error);
                return;
            }
            synchronized (lock) {
                if (closed || s != session) {
                    return;
                }
                report(r);
                backoffMs = BACKOFF_FIRST_MS;
                long from = r.getHeader().getRevision() + 1;
                List<Watch.Watcher> ws = new ArrayList<>(2);
                for (String key : List.of(ownKey, allKey)) {
                    ws.add(client.getWatchClient().watch(bytes(key), WatchOption.builder().withRevision(from).build(),
                            Watch.listener(response -> changed(s), t -> failed(s, t))));
                }
                watchers = ws;
            }
            doneReading(s);
        });
    }

    private void changed(long s) {
        synchronized (lock) {
            if (closed || s != session) {
                return;
            }
            if (reading) {
                dirty = true;
                return;
            }
            reading = true;
        }
        reread(s);
    }

    private void reread(long s) {
        read().whenComplete((r, error) -> {
            if (error != null) {
                failed(s, error);
                return;
            }
            synchronized (lock) {
                if (closed || s != session) {
                    return;
                }
                report(r);
            }
            doneReading(s);
        });
    }

    /** A read ended: read again if an event came meanwhile. */
    private void doneReading(long s) {
        synchronized (lock) {
            if (closed || s != session) {
                return;
            }
            if (!dirty) {
                reading = false;
                return;
            }
            dirty = false;
        }
        reread(s);
    }

    private void failed(long s, Throwable error) {
        long wait;
        synchronized (lock) {
            if (closed || s != session) {
                return;
            }
            session++;
            watchers.forEach(Watch.Watcher::close);
            watchers = List.of();
            wait = (long) (backoffMs * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
            backoffMs = Math.min(BACKOFF_MAX_MS, backoffMs * 2);
        }
        listener.unavailable(new EtcdStoreException("watch " + ownKey + " and " + allKey + ": " + error, error));
        CompletableFuture.delayedExecutor(wait, TimeUnit.MILLISECONDS).execute(this::connect);
    }

    // Guarded by lock.
    private void report(TxnResponse r) {
        List<KeyValue> own = r.getGetResponses().get(0).getKvs();
        List<KeyValue> all = r.getGetResponses().get(1).getKvs();
        KeyValue kv = !own.isEmpty() ? own.get(0) : !all.isEmpty() ? all.get(0) : null;
        String key = kv == null ? null : (!own.isEmpty() ? ownKey : allKey);
        Seen latest = kv == null ? null : new Seen(key, kv.getModRevision());
        if (reported && java.util.Objects.equals(latest, seen)) {
            return;
        }
        reported = true;
        seen = latest;
        Optional<StoredGraph> graph = Optional.empty();
        if (kv != null) {
            String yaml = kv.getValue().toString(StandardCharsets.UTF_8);
            graph = Optional.of(new StoredGraph(key, yaml, kv.getModRevision(), StoredGraph.hashOf(yaml),
                    key.equals(allKey)));
        }
        listener.graphChanged(graph);
    }

    private CompletableFuture<TxnResponse> read() {
        return client.getKVClient().txn()
                .Then(Op.get(bytes(ownKey), GetOption.DEFAULT), Op.get(bytes(allKey), GetOption.DEFAULT))
                .commit()
                .orTimeout(callTimeoutMillis + 1_000, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            watchers.forEach(Watch.Watcher::close);
            watchers = List.of();
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
