package dev.converge.resources.svc;

import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceId;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.freedesktop.dbus.connections.IDisconnectCallback;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.connections.impl.DBusConnectionBuilder;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.exceptions.DBusExecutionException;
import org.freedesktop.dbus.interfaces.DBus;
import org.freedesktop.dbus.interfaces.DBusSigHandler;
import org.freedesktop.dbus.interfaces.Properties;
import org.freedesktop.dbus.matchrules.DBusMatchRuleBuilder;

/**
 * The watch of one svc resource: systemd's own D-Bus signals, on a private connection to the bus
 * of the unit's manager (the system bus, or the user's bus for {@code session: true}).
 *
 * <p>The connection calls the manager's {@code Subscribe} (systemd sends unit signals only while
 * some client subscribed) and reports an event for each {@code PropertiesChanged} of the unit's
 * object (it started, stopped, failed, reloaded...), each {@code UnitFilesChanged} (enabled or
 * disabled) and each end of a manager reload ({@code daemon-reload} may load the unit anew).
 *
 * <p>When the connection breaks (the bus restarted) or systemd leaves the bus (it re-executed or
 * restarted), the watch closes the connection, waits, connects and subscribes again, and then
 * reports one event, since anything may have changed meanwhile; the waits grow from
 * {@link #FIRST_RETRY} to {@link #LAST_RETRY}. Only the first connection's failure fails the
 * watch, after reporting running so that the first check still runs and says what is wrong.
 *
 * <p>{@link #run} is called by the resource's watch thread and returns only by throwing: on
 * interrupt it closes the connection, which ends the library's threads, and throws
 * {@link InterruptedException}. Signal handlers run on the library's signal thread and only call
 * {@link ResourceContext#event()}, which is thread-safe.
 */
final class UnitWatch {

    static final Duration FIRST_RETRY = Duration.ofMillis(500);
    static final Duration LAST_RETRY = Duration.ofSeconds(30);
    /** How often the watch checks that its connection is still up, besides the library's callback. */
    private static final Duration LIVENESS = Duration.ofSeconds(5);

    private final ResourceId id;
    private final String unit;
    private final ServiceManager manager;

    UnitWatch(ResourceId id, String unit, ServiceManager manager) {
        this.id = id;
        this.unit = unit;
        this.manager = manager;
    }

    /**
     * Watches until interrupted.
     *
     * @throws NoServiceManagerException when the first connection or subscription fails; running
     *     was reported before
     * @throws InterruptedException when the thread is interrupted; the connection is closed by then
     */
    void run(ResourceContext ctx) throws NoServiceManagerException, InterruptedException {
        boolean first = true;
        Duration retry = FIRST_RETRY;
        while (true) {
            Link link;
            try {
                link = Link.open(manager.busAddress(), UnitName.objectPath(unit), ctx);
            } catch (DBusException | DBusExecutionException e) {
                String why = "cannot watch " + unit + " on the D-Bus of " + manager.label() + " ("
                        + manager.busAddress() + "): " + e.getMessage();
                if (first) {
                    ctx.running();
                    throw new NoServiceManagerException(id, why, e);
                }
                ctx.warn(why + "; trying again in " + retry.toMillis() + " ms");
                Thread.sleep(retry);
                retry = next(retry);
                continue;
            }
            try {
                link.open();
                if (first) {
                    ctx.running();
                    first = false;
                } else {
                    ctx.log("watching " + unit + " again on the D-Bus of " + manager.label());
                    ctx.event();
                }
                String lost = link.awaitLoss();
                ctx.warn("the watch of " + unit + " stopped: " + lost + "; reconnecting");
                retry = FIRST_RETRY;
            } finally {
                link.close();
            }
            Thread.sleep(retry);
            retry = next(retry);
        }
    }

    private static Duration next(Duration retry) {
        Duration doubled = retry.multipliedBy(2);
        return doubled.compareTo(LAST_RETRY) > 0 ? LAST_RETRY : doubled;
    }

    /**
     * One connection with its subscription and signal handlers. Signals are passed on only once
     * {@link #open} was called, so none reaches the engine before the watch reported running.
     */
    private static final class Link implements AutoCloseable {

        private final DBusConnection connection;
        private final CompletableFuture<String> lost;
        private final AtomicBoolean open;

        private Link(DBusConnection connection, CompletableFuture<String> lost, AtomicBoolean open) {
            this.connection = connection;
            this.lost = lost;
            this.open = open;
        }

        static Link open(String address, String unitPath, ResourceContext ctx) throws DBusException {
            var lost = new CompletableFuture<String>();
            var open = new AtomicBoolean();
            DBusConnection connection = DBusConnectionBuilder.forAddress(address)
                    .withShared(false)
                    .withDisconnectCallback(new IDisconnectCallback() {
                        @Override
                        public void disconnectOnError(IOException e) {
                            lost.complete("the bus connection broke (" + e.getMessage() + ")");
                        }

                        @Override
                        public void requestedDisconnect(Integer connectionId) {
                            lost.complete("the bus closed the connection");
                        }

                        @Override
                        public void exceptionOnTerminate(IOException e) {
                            lost.complete("the bus connection broke (" + e.getMessage() + ")");
                        }
                    })
                    .receivingThreadConfig()
                    .withSignalThreadCount(1)
                    .withErrorHandlerThreadCount(1)
                    .withMethodCallThreadCount(1)
                    .withMethodReturnThreadCount(1)
                    .connectionConfig()
                    .build();
            try {
                DBusSigHandler<Properties.PropertiesChanged> changed = s -> event(open, ctx);
                connection.addSigHandler(DBusMatchRuleBuilder.create().withType(Properties.PropertiesChanged.class)
                        .withPath(unitPath).build(), changed);
                connection.addSigHandler(SystemdManager.UnitFilesChanged.class, s -> event(open, ctx));
                connection.addSigHandler(SystemdManager.Reloading.class, s -> {
                    if (!s.active()) {
                        event(open, ctx);
                    }
                });
                connection.addSigHandler(DBus.NameOwnerChanged.class, s -> {
                    if (SystemdManager.BUS_NAME.equals(s.name) && s.newOwner.isEmpty()) {
                        lost.complete("systemd left the bus");
                    }
                });
                connection.getRemoteObject(SystemdManager.BUS_NAME, SystemdManager.OBJECT_PATH,
                        SystemdManager.class, false).subscribe();
                return new Link(connection, lost, open);
            } catch (DBusException | RuntimeException e) {
                connection.disconnect();
                throw e;
            }
        }

        private static void event(AtomicBoolean open, ResourceContext ctx) {
            if (open.get()) {
                ctx.event();
            }
        }

        /** From now on, signals are events. */
        void open() {
            open.set(true);
        }

        /** Waits until the connection is lost; says how. */
        String awaitLoss() throws InterruptedException {
            while (true) {
                try {
                    return lost.get(LIVENESS.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    if (!connection.isConnected()) {
                        return "the bus connection is closed";
                    }
                } catch (ExecutionException e) {
                    return "the bus connection failed (" + e.getCause().getMessage() + ")";
                }
            }
        }

        @Override
        public void close() {
            open.set(false);
            connection.disconnect();
        }
    }
}
