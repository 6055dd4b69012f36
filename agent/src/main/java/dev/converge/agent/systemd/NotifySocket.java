package dev.converge.agent.systemd;

import dev.converge.resources.posix.ErrnoException;
import dev.converge.resources.posix.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * The service manager's notification socket, {@code $NOTIFY_SOCKET} (sd_notify(3)): an AF_UNIX
 * datagram socket named by a path or, with a leading {@code @}, in the abstract namespace. Each
 * {@link #send} is one datagram of newline-separated {@code NAME=value} assignments, sent through
 * the C library (the JDK has no Unix datagram sockets).
 *
 * <p>Thread-safe: the host monitor's thread and JVM signal threads send; {@link #close} waits
 * for a send under way.
 */
public final class NotifySocket implements AutoCloseable {

    private final String name;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment address;
    private final int fd;
    /** Guarded by {@code this}. */
    private boolean closed;

    private NotifySocket(String name) throws ErrnoException {
        this.name = name;
        try {
            this.address = Libc.unixAddress(arena, name);
            this.fd = Libc.socket(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC);
        } catch (ErrnoException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * The socket {@code NOTIFY_SOCKET} names in {@code environment}; empty when it is not set (the
     * agent was not started by systemd as {@code Type=notify}).
     *
     * @throws IllegalArgumentException when it names no Unix socket address this agent can use
     * @throws ErrnoException when no socket can be made
     */
    public static Optional<NotifySocket> fromEnvironment(Map<String, String> environment) throws ErrnoException {
        String name = environment.get("NOTIFY_SOCKET");
        if (name == null || name.isEmpty()) {
            return Optional.empty();
        }
        if (!name.startsWith("/") && !name.startsWith("@")) {
            throw new IllegalArgumentException("NOTIFY_SOCKET is neither a path nor an @abstract name: " + name);
        }
        return Optional.of(new NotifySocket(name));
    }

    /** The address as {@code NOTIFY_SOCKET} gave it. */
    public String name() {
        return name;
    }

    /**
     * Sends {@code message} ("READY=1\nSTATUS=...") as one datagram.
     *
     * @throws ErrnoException when the service manager cannot be reached (its socket is gone, say)
     */
    public synchronized void send(String message) throws ErrnoException {
        if (closed) {
            return;
        }
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        try (Arena call = Arena.ofConfined()) {
            MemorySegment buffer = call.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, buffer, ValueLayout.JAVA_BYTE, 0, bytes.length);
            Libc.sendto(fd, buffer, bytes.length, Libc.MSG_NOSIGNAL, address);
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Libc.closeQuietly(fd);
            arena.close();
        }
    }
}
