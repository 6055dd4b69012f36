package dev.converge.bench.fleet;

import dev.converge.agent.etcd.EtcdStore;
import dev.converge.agent.etcd.EtcdStoreException;
import dev.converge.agent.etcd.HostStatus;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * How one simulated host publishes its status: on a lease of the status TTL that is kept alive,
 * the lease granted on first use and again after it was lost.
 */
interface StatusPublisher {

    /** Writes {@code status} at the host's status key, on its lease. */
    void publish(HostStatus status) throws Exception;

    /** Stops keeping the lease alive and revokes it, so the status disappears, as a stopping agent does. */
    void close();

    /** Through the agent's own {@link EtcdStore#putStatus}, on a store of the host's own (its own jetcd client). */
    static StatusPublisher ownStore(EtcdStore store, String host) {
        return new StatusPublisher() {
            @Override
            public void publish(HostStatus status) throws EtcdStoreException {
                store.putStatus(host, status);
            }

            @Override
            public void close() {
                store.close();
            }
        };
    }

    /**
     * The calls {@link EtcdStore#putStatus} makes (lease grant with the status TTL, jetcd
     * keep-alive, put with the lease; a new lease when a put finds the lease gone or etcd says it
     * expired, the same lease kept after a keep-alive error while it lives), on a jetcd
     * client that other simulated hosts share. jetcd then sends the keep-alives of all those hosts'
     * leases on one LeaseKeepAlive stream, where a real fleet has one stream per host.
     */
    static StatusPublisher sharedClient(Client client, String key, Duration ttl, Duration callTimeout,
                                        AtomicLong keepAliveAcks, Consumer<String> leaseLost) {
        return new SharedLease(client, key, ttl, callTimeout, keepAliveAcks, leaseLost);
    }

    /** See {@link #sharedClient}. */
    final class SharedLease implements StatusPublisher {

        private final Client client;
        private final ByteSequence key;
        private final long ttlSeconds;
        private final long waitMillis;
        private final AtomicLong keepAliveAcks;
        private final Consumer<String> leaseLost;
        // Guarded by this.
        private long leaseId;
        private CloseableClient keepAlive;
        private HostStatus last;
        private boolean closed;

        SharedLease(Client client, String key, Duration ttl, Duration callTimeout, AtomicLong keepAliveAcks,
                    Consumer<String> leaseLost) {
            this.client = client;
            this.key = ByteSequence.from(key, StandardCharsets.UTF_8);
            this.ttlSeconds = Math.max(1, ttl.toSeconds());
            this.waitMillis = callTimeout.toMillis() + 1_000;
            this.keepAliveAcks = keepAliveAcks;
            this.leaseLost = leaseLost;
        }

        @Override
        public synchronized void publish(HostStatus status) throws Exception {
            if (closed) {
                return;
            }
            last = status;
            if (leaseId == 0) {
                grant();
            }
            try {
                put(status);
            } catch (ExecutionException e) {
                if (!String.valueOf(e.getCause()).contains("lease not found")) {
                    throw e;
                }
                stopKeepAlive();
                leaseId = 0;
                grant();
                put(status);
            }
        }

        private void put(HostStatus status) throws Exception {
            client.getKVClient().put(key, ByteSequence.from(status.toJson(), StandardCharsets.UTF_8),
                    PutOption.builder().withLeaseId(leaseId).build()).get(waitMillis, TimeUnit.MILLISECONDS);
        }

        private void grant() throws InterruptedException, ExecutionException, TimeoutException {
            long id = client.getLeaseClient().grant(ttlSeconds).get(waitMillis, TimeUnit.MILLISECONDS).getID();
            leaseId = id;
            keepAlive = keepAlive(id);
        }

        private CloseableClient keepAlive(long id) {
            return client.getLeaseClient().keepAlive(id, new StreamObserver<>() {
                @Override
                public void onNext(LeaseKeepAliveResponse r) {
                    if (r.getTTL() > 0) {
                        keepAliveAcks.incrementAndGet();
                    } else {
                        lost(id, "expired (TTL <= 0)");
                    }
                }

                @Override
                public void onError(Throwable t) {
                    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
                    keepAliveFailed(id, "keep-alive failed: " + (m.length() > 120 ? m.substring(0, 120) : m),
                            100);
                }

                @Override
                public void onCompleted() {
                    keepAliveFailed(id, "keep-alive ended (no answer within the TTL)", 100);
                }
            });
        }

        /**
         * As the agent does ({@code EtcdStore.keepAliveFailed}): asks etcd for the lease's time to
         * live; a live lease is kept and kept alive again, a gone one is lost, and while etcd cannot
         * say it is asked again with backoff (100 ms doubling to 2 s, ±20 %).
         */
        private void keepAliveFailed(long id, String why, long backoffMillis) {
            Thread.startVirtualThread(() -> {
                synchronized (this) {
                    if (closed || id != leaseId) {
                        return;
                    }
                }
                long ttl;
                try {
                    ttl = client.getLeaseClient().timeToLive(id, LeaseOption.DEFAULT)
                            .get(waitMillis, TimeUnit.MILLISECONDS).getTTL();
                } catch (InterruptedException e) {
                    return;
                } catch (ExecutionException | TimeoutException e) {
                    try {
                        Thread.sleep((long) (backoffMillis * (0.8 + 0.4 * Math.random())));
                    } catch (InterruptedException stop) {
                        return;
                    }
                    keepAliveFailed(id, why, Math.min(2_000, backoffMillis * 2));
                    return;
                }
                if (ttl <= 0) {
                    lost(id, why + "; the lease has expired");
                    return;
                }
                synchronized (this) {
                    if (!closed && id == leaseId) {
                        stopKeepAlive();
                        keepAlive = keepAlive(id);
                    }
                }
            });
        }

        /** As the agent does: the lease is gone, so publish the last status again on a new one. */
        private void lost(long id, String why) {
            Thread.startVirtualThread(() -> {
                synchronized (this) {
                    if (closed || id != leaseId) {
                        return;
                    }
                    leaseLost.accept(why);
                    stopKeepAlive();
                    leaseId = 0;
                    if (last != null) {
                        try {
                            publish(last);
                        } catch (Exception e) {
                            // The next publish grants again.
                        }
                    }
                }
            });
        }

        private void stopKeepAlive() {
            if (keepAlive != null) {
                keepAlive.close();
                keepAlive = null;
            }
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            stopKeepAlive();
            if (leaseId != 0) {
                try {
                    client.getLeaseClient().revoke(leaseId).get(waitMillis, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (ExecutionException | TimeoutException e) {
                    // It expires within the TTL.
                }
                leaseId = 0;
            }
        }
    }
}
