package dev.converge.agent.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Response;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * converge's graphs and host status in etcd (key layout in {@code docs/etcd.md}).
 *
 * <p>Invariants:
 * <ul>
 *   <li>Every unary call (get, put, txn, lease grant and revoke) has the deadline
 *       {@link EtcdSettings#callTimeout()}, set on the gRPC call itself, so a call that times out
 *       is cancelled and never applied later. A call to a down etcd fails with
 *       {@link EtcdUnavailableException} within that deadline: it never hangs. Methods make one
 *       attempt; {@link #retrying} retries with backoff when the caller wants it.</li>
 *   <li>A deploy writes only if the key is still at the revision the caller read
 *       ({@link #deploy}); of two deploys racing from the same revision exactly one is written.</li>
 *   <li>Published status is attached to a lease of {@link EtcdSettings#statusTtl()} that this
 *       store keeps alive; when the lease is lost (etcd down longer than the TTL), the last status
 *       is published again on a new lease as soon as etcd answers. {@link #close()} revokes the
 *       lease, so the status disappears at once; a process that dies leaves it to expire.</li>
 *   <li>Host names are non-empty, hold no {@code /}, no whitespace or control character, and are
 *       not {@value #ALL}.</li>
 * </ul>
 *
 * <p>Thread-safe. Closing it stops its watches and its lease; later calls fail with
 * {@link IllegalStateException}.
 */
public final class EtcdStore implements AutoCloseable {

    /** The host-name segment of the graph key every host falls back to. */
    public static final String ALL = "_all";

    private static final Logger LOG = LogManager.getLogger("converge");
    private static final Duration BACKOFF_FIRST = Duration.ofMillis(100);
    private static final Duration BACKOFF_MAX = Duration.ofSeconds(2);
    /** Extra wait on a future beyond the gRPC deadline, for the deadline's own failure to arrive. */
    private static final long FUTURE_SLACK_MS = 1_000;

    private final EtcdSettings settings;
    private final Client client;
    private final String where;
    /** Told the end of every call; null when nobody listens (deploy, status). */
    private final Reachability reachability;
    private final List<GraphWatch> watches = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService statusKeeper = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "converge-etcd-status");
        t.setDaemon(true);
        return t;
    });

    // Guarded by this.
    private boolean closed;
    private long leaseId;
    private CloseableClient keepAlive;
    private String publishedHost;
    private HostStatus published;

    private EtcdStore(EtcdSettings settings, Client client, Reachability reachability) {
        this.settings = settings;
        this.client = client;
        this.reachability = reachability;
        this.where = "etcd at " + String.join(",", settings.endpoints().stream().map(Object::toString).toList());
    }

    /**
     * A store over a new jetcd client. Does not contact etcd: the first call does.
     *
     * @throws EtcdStoreException when the TLS files cannot be read
     */
    public static EtcdStore connect(EtcdSettings settings) throws EtcdStoreException {
        return new EtcdStore(settings, newClient(settings), null);
    }

    /**
     * A store that tells {@code reachability} whether each of its calls got an answer: its own
     * calls, its graph watches' and its status lease's.
     *
     * @throws EtcdStoreException when the TLS files cannot be read
     */
    public static EtcdStore connect(EtcdSettings settings, Reachability reachability) throws EtcdStoreException {
        return new EtcdStore(settings, newClient(settings), Objects.requireNonNull(reachability, "reachability"));
    }

    /**
     * A jetcd client as the store uses one: the settings' endpoints, credentials and TLS, a
     * deadline on every unary call, one attempt per call, no waiting for a down etcd.
     *
     * @throws EtcdStoreException when the TLS files cannot be read
     */
    public static Client newClient(EtcdSettings settings) throws EtcdStoreException {
        Objects.requireNonNull(settings, "settings");
        ClientBuilder b = Client.builder()
                .endpoints(settings.endpoints().toArray(java.net.URI[]::new))
                // Without these a call to a down etcd waits for it forever.
                .waitForReady(false)
                .interceptor(new Deadlines(settings.callTimeout()))
                .connectTimeout(settings.callTimeout())
                // One attempt per call: retries are the caller's choice (retrying()).
                .retryMaxAttempts(0);
        if (settings.user() != null) {
            b.user(bytes(settings.user())).password(bytes(settings.password()));
        }
        if (settings.tls()) {
            try {
                b.sslContext(ssl -> {
                    if (settings.caCert() != null) {
                        ssl.trustManager(settings.caCert().toFile());
                    }
                    if (settings.cert() != null) {
                        ssl.keyManager(settings.cert().toFile(), settings.key().toFile());
                    }
                });
            } catch (SSLException | IllegalArgumentException e) {
                throw new EtcdStoreException("etcd TLS: cannot use the CA, certificate or key: " + e.getMessage(), e);
            }
        }
        return b.build();
    }

    public EtcdSettings settings() {
        return settings;
    }

    // ---- keys

    /** {@code <prefix>/graph/<host>}: the host's own graph. */
    public String graphKey(String host) {
        return settings.prefix() + "/graph/" + requireHost(host);
    }

    /** {@code <prefix>/graph/_all}: the graph of every host without its own. */
    public String allGraphKey() {
        return settings.prefix() + "/graph/" + ALL;
    }

    /** {@code <prefix>/status/<host>}: the host's published status. */
    public String statusKey(String host) {
        return settings.prefix() + "/status/" + requireHost(host);
    }

    /**
     * Checks a host name for use in keys.
     *
     * @return {@code host}
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static String requireHost(String host) {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty() || host.equals(ALL) || host.chars().anyMatch(c -> c == '/' || c <= ' ' || c == 0x7f)) {
            throw new IllegalArgumentException("host name '" + host
                    + "': must be non-empty, have no '/', space or control character, and not be " + ALL);
        }
        return host;
    }

    // ---- graphs

    /**
     * The graph stored at exactly {@code key}.
     *
     * @return empty when the key does not exist
     */
    public Optional<StoredGraph> read(String key) throws EtcdStoreException {
        GetResponse r = call("read " + key, () -> client.getKVClient().get(bytes(key)), false);
        return r.getKvs().stream().findFirst().map(kv -> toGraph(key, kv));
    }

    /**
     * The graph {@code host} runs: its own key's when present, else {@code _all}'s; both read at
     * one revision.
     *
     * @return empty when neither key exists
     */
    public Optional<StoredGraph> graphFor(String host) throws EtcdStoreException {
        return readEffective(host).graph();
    }

    /** Every deployed graph by host name ({@value #ALL} included), sorted. */
    public SortedMap<String, StoredGraph> listGraphs() throws EtcdStoreException {
        SortedMap<String, StoredGraph> graphs = new TreeMap<>();
        byHost("/graph/").forEach((host, kv) -> graphs.put(host, toGraph(string(kv.getKey()), kv)));
        return graphs;
    }

    /** The keys directly under {@code <prefix><dir>}, by the host name that ends each. */
    private SortedMap<String, KeyValue> byHost(String dir) throws EtcdStoreException {
        String under = settings.prefix() + dir;
        GetResponse r = call("list " + under,
                () -> client.getKVClient().get(bytes(under), GetOption.builder().isPrefix(true).build()), false);
        SortedMap<String, KeyValue> hosts = new TreeMap<>();
        for (KeyValue kv : r.getKvs()) {
            String host = string(kv.getKey()).substring(under.length());
            if (!host.isEmpty() && !host.contains("/")) {
                hosts.put(host, kv);
            }
        }
        return hosts;
    }

    /**
     * Writes {@code yaml} to {@code key} in one transaction, only if the key is still at
     * {@code expectedModRevision} (0: only if it does not exist). The caller reads the key
     * ({@link #read}), validates, then deploys with the revision it read; a deploy that ran in
     * between makes this one fail rather than be overwritten silently.
     *
     * @param key a graph key ({@link #graphKey} or {@link #allGraphKey})
     * @return the graph as written, with its new modification revision
     * @throws DeployConflictException the key changed since; nothing was written
     */
    public StoredGraph deploy(String key, String yaml, long expectedModRevision) throws EtcdStoreException {
        String dir = settings.prefix() + "/graph/";
        if (!key.startsWith(dir) || !(key.equals(allGraphKey()) || key.equals(graphKey(key.substring(dir.length()))))) {
            throw new IllegalArgumentException("not a graph key: " + key);
        }
        if (expectedModRevision < 0) {
            throw new IllegalArgumentException("expectedModRevision must be >= 0: " + expectedModRevision);
        }
        ByteSequence k = bytes(key);
        TxnResponse r = call("deploy " + key, () -> client.getKVClient().txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedModRevision)))
                .Then(Op.put(k, bytes(yaml), PutOption.DEFAULT))
                .Else(Op.get(k, GetOption.DEFAULT))
                .commit(), true);
        if (r.isSucceeded()) {
            return StoredGraph.of(key, yaml, r.getHeader().getRevision(), key.equals(allGraphKey()));
        }
        long actual = r.getGetResponses().stream().flatMap(g -> g.getKvs().stream())
                .mapToLong(KeyValue::getModRevision).findFirst().orElse(0);
        throw new DeployConflictException(key, expectedModRevision, actual);
    }

    /**
     * Watches the graph {@code host} runs (its own key, else {@value #ALL}) and tells
     * {@code listener} as described in {@link GraphListener}: first the current graph, then every
     * change. On any error (etcd down or restarted) it reports {@link GraphListener#unavailable},
     * retries with backoff, re-reads both keys and watches again from the revision it read, so no
     * change is lost. When etcd's history went backwards (its data was wiped or restored: the
     * cluster id changed, or the revision or raft term went down) it reports the graph found even
     * if it looks the same as before.
     *
     * @return the watch; closing it stops it (and waits for a running listener call to finish)
     */
    public AutoCloseable watchGraph(String host, GraphListener listener) {
        requireHost(host);
        Objects.requireNonNull(listener, "listener");
        GraphWatch w;
        synchronized (this) {
            checkOpen();
            w = new GraphWatch(host, listener);
            watches.add(w);
        }
        w.thread.start();
        return w;
    }

    // ---- status

    /**
     * Publishes {@code status} at {@link #statusKey}(host) on this store's lease, granting it on
     * first use (or after it was lost). The store republishes the last status by itself when the
     * lease is lost, so a caller need only call this when the status changes.
     */
    public synchronized void putStatus(String host, HostStatus status) throws EtcdStoreException {
        requireHost(host);
        Objects.requireNonNull(status, "status");
        checkOpen();
        if (publishedHost != null && !publishedHost.equals(host)) {
            throw new IllegalStateException("this store publishes the status of " + publishedHost + ", not " + host);
        }
        publishedHost = host;
        published = status;
        writeStatus();
    }

    /** Every published status by host name, sorted. */
    public SortedMap<String, HostStatus> listStatus() throws EtcdStoreException {
        SortedMap<String, HostStatus> all = new TreeMap<>();
        for (var entry : byHost("/status/").entrySet()) {
            KeyValue kv = entry.getValue();
            try {
                all.put(entry.getKey(), HostStatus.fromJson(string(kv.getValue())));
            } catch (IllegalArgumentException e) {
                throw new EtcdStoreException(string(kv.getKey()) + ": not a converge status: " + e.getMessage());
            }
        }
        return all;
    }

    // ---- retries

    /** An etcd call, for {@link #retrying}. */
    @FunctionalInterface
    public interface StoreCall<T> {
        T call() throws EtcdStoreException;
    }

    /**
     * Runs {@code call}, retrying it with exponential backoff (100 ms doubling to 2 s, jittered)
     * while it fails with {@link EtcdUnavailableException}, for at most {@code patience}; any other
     * failure is thrown at once. A zero patience makes one attempt.
     *
     * @throws EtcdUnavailableException the last failure, when patience ran out
     */
    public static <T> T retrying(Duration patience, StoreCall<T> call) throws EtcdStoreException {
        long deadline = System.nanoTime() + patience.toNanos();
        Duration backoff = BACKOFF_FIRST;
        while (true) {
            try {
                return call.call();
            } catch (EtcdUnavailableException e) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw e;
                }
                sleep(Math.min(jitter(backoff).toNanos(), left), e);
                backoff = next(backoff);
            }
        }
    }

    // ---- closing

    /** Stops the watches, revokes the status lease (its status disappears) and closes the client. */
    @Override
    public void close() {
        List<GraphWatch> stopping;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            stopping = List.copyOf(watches);
        }
        stopping.forEach(GraphWatch::close);
        statusKeeper.shutdownNow();
        synchronized (this) {
            stopKeepAlive();
            if (leaseId != 0) {
                try {
                    call("revoke status lease", () -> client.getLeaseClient().revoke(leaseId), true);
                } catch (EtcdStoreException e) {
                    LOG.warn("{}; the status at {} expires within {}", e.getMessage(),
                            settings.prefix() + "/status/" + publishedHost, settings.statusTtl());
                }
                leaseId = 0;
            }
        }
        client.close();
    }

    /** Closes like a process that died: the status lease is left to expire. For tests. */
    void abandon() {
        List<GraphWatch> stopping;
        synchronized (this) {
            closed = true;
            stopping = List.copyOf(watches);
        }
        stopping.forEach(GraphWatch::close);
        statusKeeper.shutdownNow();
        synchronized (this) {
            stopKeepAlive();
            leaseId = 0;
        }
        client.close();
    }

    // ---- internals

    /** A consistent read of the host's two graph keys, with the header it was read at. */
    private record Effective(Optional<StoredGraph> graph, long revision, long clusterId, long raftTerm) {}

    private Effective readEffective(String host) throws EtcdStoreException {
        String own = graphKey(host);
        String all = allGraphKey();
        TxnResponse r = call("read " + own + " and " + all, () -> client.getKVClient().txn()
                .Then(Op.get(bytes(own), GetOption.DEFAULT), Op.get(bytes(all), GetOption.DEFAULT))
                .commit(), false);
        List<GetResponse> gets = r.getGetResponses();
        Optional<StoredGraph> graph = gets.get(0).getKvs().stream().findFirst().map(kv -> toGraph(own, kv))
                .or(() -> gets.get(1).getKvs().stream().findFirst().map(kv -> toGraph(all, kv)));
        Response.Header h = r.getHeader();
        return new Effective(graph, h.getRevision(), h.getClusterId(), h.getRaftTerm());
    }

    private StoredGraph toGraph(String key, KeyValue kv) {
        return StoredGraph.of(key, string(kv.getValue()), kv.getModRevision(), key.equals(allGraphKey()));
    }

    // Guarded by this.
    private void writeStatus() throws EtcdStoreException {
        if (leaseId == 0) {
            grantLease();
        }
        try {
            putOnLease();
        } catch (EtcdStoreException e) {
            if (codeOf(e.getCause()) != ErrorCode.NOT_FOUND) {
                throw e;
            }
            // The lease expired while etcd was away: take a new one.
            stopKeepAlive();
            leaseId = 0;
            grantLease();
            putOnLease();
        }
    }

    // Guarded by this.
    private void putOnLease() throws EtcdStoreException {
        String key = statusKey(publishedHost);
        call("publish " + key, () -> client.getKVClient().put(bytes(key), bytes(published.toJson()),
                PutOption.builder().withLeaseId(leaseId).build()), true);
    }

    // Guarded by this.
    private void grantLease() throws EtcdStoreException {
        long ttl = Math.max(1, settings.statusTtl().toSeconds());
        long id = call("grant a status lease", () -> client.getLeaseClient().grant(ttl), true).getID();
        leaseId = id;
        keepAlive = keepAlive(id);
    }

    // Guarded by this.
    private CloseableClient keepAlive(long id) {
        return client.getLeaseClient().keepAlive(id, new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse r) {
                if (r.getTTL() <= 0) {
                    leaseLost(id, "expired");
                }
            }

            @Override
            public void onError(Throwable t) {
                keepAliveFailed(id, t.getMessage(), BACKOFF_FIRST);
            }

            @Override
            public void onCompleted() {
                keepAliveFailed(id, "keep-alive ended", BACKOFF_FIRST);
            }
        });
    }

    /**
     * A keep-alive failed, which says nothing about the lease: etcd may only have been slow to
     * answer. The lease is asked for its time to live; while it is alive it is kept and kept alive
     * again. Only a lease that etcd says is gone is replaced, so a slow etcd is not answered with
     * a new lease and a status write from every agent at once. While etcd cannot say, it is asked
     * again with backoff; the lease expires meanwhile only if etcd stays away for its TTL.
     */
    void keepAliveFailed(long id, String why, Duration backoff) {
        try {
            statusKeeper.execute(() -> {
                synchronized (this) {
                    if (closed || id != leaseId) {
                        return;
                    }
                }
                long ttl;
                try {
                    ttl = call("check the status lease", () -> client.getLeaseClient().timeToLive(id,
                            io.etcd.jetcd.options.LeaseOption.DEFAULT), false).getTTL();
                } catch (EtcdStoreException e) {
                    try {
                        statusKeeper.schedule(() -> keepAliveFailed(id, why, next(backoff)),
                                jitter(backoff).toMillis(), TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.RejectedExecutionException closing) {
                        // Closing: nothing to keep.
                    }
                    return;
                }
                if (ttl <= 0) {
                    leaseLost(id, why + "; the lease has expired");
                    return;
                }
                synchronized (this) {
                    if (!closed && id == leaseId) {
                        LOG.debug("etcd status lease {}: {}; it is still alive, keeping it", Long.toHexString(id), why);
                        stopKeepAlive();
                        keepAlive = keepAlive(id);
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Closing: nothing to keep.
        }
    }

    // Guarded by this.
    private void stopKeepAlive() {
        if (keepAlive != null) {
            keepAlive.close();
            keepAlive = null;
        }
    }

    /** Called from jetcd's threads: hands over to the status keeper, which may block. */
    private void leaseLost(long id, String why) {
        try {
            statusKeeper.execute(() -> {
                synchronized (this) {
                    if (closed || id != leaseId) {
                        return;
                    }
                    LOG.info("etcd status lease {} lost ({}); publishing the status again on a new lease",
                            Long.toHexString(id), why);
                    stopKeepAlive();
                    leaseId = 0;
                }
                republish(BACKOFF_FIRST);
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Closing: nothing to keep.
        }
    }

    private void republish(Duration backoff) {
        synchronized (this) {
            if (closed || published == null || leaseId != 0) {
                return;
            }
            try {
                writeStatus();
                return;
            } catch (EtcdStoreException e) {
                stopKeepAlive();
                leaseId = 0;
                LOG.debug("republishing status: {}", e.getMessage());
            }
        }
        try {
            statusKeeper.schedule(() -> republish(next(backoff)), jitter(backoff).toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Closing.
        }
    }

    private synchronized void checkOpen() {
        if (closed) {
            throw new IllegalStateException("etcd store is closed");
        }
    }

    /**
     * Makes a jetcd call and waits for it. Its gRPC deadline makes it fail in time; the wait on
     * the future is a backstop a little longer than that. The outcome goes to
     * {@link #reachability}, except an interruption's or a cancellation's, which say nothing
     * about etcd.
     */
    private <T> T call(String what, Supplier<CompletableFuture<T>> start, boolean write) throws EtcdStoreException {
        long started = System.nanoTime();
        CompletableFuture<T> future = start.get();
        long wait = settings.callTimeout().toMillis() + FUTURE_SLACK_MS;
        try {
            T result = future.get(wait, TimeUnit.MILLISECONDS);
            outcome(started, null);
            return result;
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new EtcdUnavailableException(what + ": interrupted", "interrupted", write, e);
        } catch (TimeoutException e) {
            future.cancel(true);
            String reason = "did not answer within " + settings.callTimeout().toMillis() + " ms";
            var failure = new EtcdUnavailableException(what + ": " + where + " " + reason, reason, write, e);
            outcome(started, failure);
            throw failure;
        } catch (ExecutionException e) {
            EtcdStoreException failure = translate(what, e.getCause(), write);
            outcome(started, failure);
            throw failure;
        }
    }

    /**
     * Tells {@link #reachability} how a call that began at {@code started} ended: {@code failure}
     * null for an answer. A refusal (permission denied, a lost lease) is an answer too; a
     * cancellation is nothing.
     */
    private void outcome(long started, EtcdStoreException failure) {
        if (reachability == null) {
            return;
        }
        if (failure == null) {
            reachability.answered();
            return;
        }
        ErrorCode code = codeOf(failure.getCause());
        if (code == ErrorCode.CANCELLED) {
            return;
        }
        if (failure instanceof EtcdUnavailableException u) {
            reachability.unreachable(started, u.reason());
        } else if (code != null) {
            reachability.answered();
        }
    }

    /**
     * The store's exception for a failed jetcd call, its message in one line. A TLS failure says
     * which certificate problem it is ({@link TlsDiagnosis}).
     */
    private EtcdStoreException translate(String what, Throwable cause, boolean write) {
        ErrorCode code = codeOf(cause);
        Optional<String> tls = settings.tls() ? TlsDiagnosis.of(cause, settings) : Optional.empty();
        if (tls.isPresent()) {
            String reason = "TLS handshake failed: " + tls.get();
            return new EtcdUnavailableException(what + ": " + where + ": " + reason, reason, false, cause);
        }
        String detail = cause.getMessage() == null ? "no detail given" : TlsDiagnosis.oneLine(cause.getMessage());
        if (code == null) {
            return new EtcdStoreException(what + ": " + detail, cause);
        }
        return switch (code) {
            case UNAVAILABLE -> {
                String reason = unavailable(cause);
                yield new EtcdUnavailableException(what + ": " + where + " is unavailable (" + reason + ")", reason, false,
                        cause);
            }
            case DEADLINE_EXCEEDED -> {
                String reason = "did not answer within " + settings.callTimeout().toMillis() + " ms";
                yield new EtcdUnavailableException(what + ": " + where + " " + reason, reason, write, cause);
            }
            case CANCELLED -> new EtcdUnavailableException(what + ": cancelled (" + detail + ")", "cancelled", write, cause);
            case PERMISSION_DENIED, UNAUTHENTICATED -> new EtcdStoreException(what + ": " + where + " refused: "
                    + detail + " (check --etcd-user, its password and its role's permissions on "
                    + settings.prefix() + "/)", cause);
            default -> new EtcdStoreException(what + ": " + detail, cause);
        };
    }

    /**
     * Why etcd is unavailable: the deepest message in {@code cause}'s chain (a gRPC status's
     * description without its code), in one line without class names: "Connection refused"
     * rather than "UNAVAILABLE: io exception" and the channel's handlers.
     */
    private static String unavailable(Throwable cause) {
        String detail = null;
        for (Throwable c = cause; c != null; c = c.getCause()) {
            String m = c.getMessage();
            if (c instanceof StatusRuntimeException || c instanceof StatusException) {
                Status s = Status.fromThrowable(c);
                m = s.getDescription() != null ? s.getDescription() : s.getCode().name();
            }
            if (m != null && !TlsDiagnosis.oneLine(m).isEmpty()) {
                detail = TlsDiagnosis.oneLine(m);
            }
        }
        return detail != null ? detail : "no detail given";
    }

    private static ErrorCode codeOf(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof EtcdException e) {
                return e.getErrorCode();
            }
            Status s = Status.fromThrowable(c);
            if (s.getCode() != Status.Code.UNKNOWN || c instanceof StatusRuntimeException
                    || c instanceof StatusException) {
                return ErrorCode.valueOf(s.getCode().name());
            }
        }
        return null;
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static String string(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }

    private static Duration next(Duration backoff) {
        Duration d = backoff.multipliedBy(2);
        return d.compareTo(BACKOFF_MAX) > 0 ? BACKOFF_MAX : d;
    }

    /** {@code d} scaled by a random factor in [0.8, 1.2), so that a fleet does not retry in step. */
    private static Duration jitter(Duration d) {
        return Duration.ofNanos((long) (d.toNanos() * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble())));
    }

    private static void sleep(long nanos, EtcdUnavailableException cause) throws EtcdUnavailableException {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw cause;
        }
    }

    /** Sets the store's deadline on every unary gRPC call; streams (watch, lease keep-alive) have none. */
    private static final class Deadlines implements ClientInterceptor {
        private final long millis;

        Deadlines(Duration timeout) {
            this.millis = timeout.toMillis();
        }

        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            return next.newCall(method, method.getType() == MethodDescriptor.MethodType.UNARY
                    ? options.withDeadlineAfter(millis, TimeUnit.MILLISECONDS) : options);
        }
    }

    /** One {@link #watchGraph} on its own thread. */
    private final class GraphWatch implements AutoCloseable {

        private sealed interface Signal permits Changed, Failed {}

        private record Changed(Object session) implements Signal {}

        private record Failed(Object session, Throwable error) implements Signal {}

        private record Seen(String key, long modRevision) {}

        private final String host;
        private final GraphListener listener;
        private final Thread thread;
        private final BlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
        private volatile boolean stopped;
        // Used by the watch thread only.
        private boolean reported;
        private Seen seen;
        private long revision;
        private long clusterId;
        private long raftTerm;

        GraphWatch(String host, GraphListener listener) {
            this.host = host;
            this.listener = listener;
            this.thread = new Thread(this::run, "converge-etcd-watch-" + host);
            thread.setDaemon(true);
        }

        private void run() {
            Duration backoff = BACKOFF_FIRST;
            while (!stopped) {
                Object session = new Object();
                List<Watch.Watcher> watchers = new ArrayList<>();
                try {
                    Effective now = readEffective(host);
                    report(now);
                    backoff = BACKOFF_FIRST;
                    // From the revision just read: every later change of either key arrives.
                    for (String key : List.of(graphKey(host), allGraphKey())) {
                        watchers.add(client.getWatchClient().watch(bytes(key),
                                WatchOption.builder().withRevision(now.revision() + 1).build(),
                                Watch.listener(r -> signals.add(new Changed(session)),
                                        t -> signals.add(new Failed(session, t)))));
                    }
                    while (!stopped) {
                        Signal s = signals.take();
                        if (s instanceof Failed f && f.session() == session) {
                            EtcdStoreException failure = translate("watch " + graphKey(host) + " and " + allGraphKey(),
                                    f.error(), false);
                            // The stream broke now, whenever it began.
                            outcome(System.nanoTime(), failure);
                            throw failure;
                        }
                        if (s instanceof Changed c && c.session() == session) {
                            signals.removeIf(x -> x instanceof Changed);
                            report(readEffective(host));
                        }
                    }
                } catch (EtcdStoreException e) {
                    if (!stopped) {
                        tell(() -> listener.unavailable(e));
                        try {
                            Thread.sleep(jitter(backoff));
                        } catch (InterruptedException ie) {
                            return;
                        }
                        backoff = next(backoff);
                    }
                } catch (InterruptedException e) {
                    return;
                } finally {
                    watchers.forEach(Watch.Watcher::close);
                }
            }
        }

        private void report(Effective now) {
            boolean wiped = reported && (now.clusterId() != clusterId || now.revision() < revision
                    || now.raftTerm() < raftTerm);
            if (wiped) {
                LOG.warn("etcd history went backwards (cluster {} revision {} term {}, was cluster {} revision {} term {}):"
                        + " its data was wiped or restored; reading the graph again",
                        Long.toHexString(now.clusterId()), now.revision(), now.raftTerm(),
                        Long.toHexString(clusterId), revision, raftTerm);
            }
            revision = now.revision();
            clusterId = now.clusterId();
            raftTerm = now.raftTerm();
            Seen latest = now.graph().map(g -> new Seen(g.key(), g.modRevision())).orElse(null);
            if (!reported || wiped || !Objects.equals(latest, seen)) {
                reported = true;
                seen = latest;
                tell(() -> listener.graphChanged(now.graph()));
            }
        }

        private void tell(Runnable call) {
            if (stopped) {
                return;
            }
            try {
                call.run();
            } catch (RuntimeException e) {
                LOG.error("etcd graph listener failed", e);
            }
        }

        @Override
        public void close() {
            stopped = true;
            watches.remove(this);
            if (Thread.currentThread() != thread) {
                thread.interrupt();
                try {
                    thread.join(TimeUnit.SECONDS.toMillis(10));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

}
