package dev.converge.resources.testing;

import dev.converge.resources.posix.ErrnoException;
import dev.converge.resources.posix.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real Unix datagram socket bound to a name, as systemd's notify socket is, and the
 * datagrams it received, in order. A platform thread receives them into a queue; the test
 * thread takes them with {@link #next}. {@link #close} ends the thread and the socket.
 */
public final class DatagramInbox implements AutoCloseable {

    private final String name;
    private final int fd;
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final Thread receiver;
    private volatile boolean closed;

    /**
     * Binds {@code name}: a path (which must not exist), or {@code @name} in the abstract
     * namespace.
     */
    public DatagramInbox(String name) throws ErrnoException {
        this.name = name;
        fd = Libc.socket(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            Libc.bind(fd, Libc.unixAddress(arena, name));
        } catch (ErrnoException | RuntimeException e) {
            Libc.closeQuietly(fd);
            throw e;
        }
        receiver = Thread.ofPlatform().daemon().name("datagram inbox " + name).start(this::receive);
    }

    /** The name it is bound to, as given. */
    public String name() {
        return name;
    }

    /** The next datagram, waiting at most {@code wait}; empty when none came. */
    public Optional<String> next(Duration wait) throws InterruptedException {
        return Optional.ofNullable(received.poll(wait.toNanos(), TimeUnit.NANOSECONDS));
    }

    /** The next datagram that contains {@code text}, skipping others, waiting at most {@code wait} in all. */
    public Optional<String> nextContaining(String text, Duration wait) throws InterruptedException {
        long end = System.nanoTime() + wait.toNanos();
        for (long left = wait.toNanos(); left > 0; left = end - System.nanoTime()) {
            String d = received.poll(left, TimeUnit.NANOSECONDS);
            if (d == null) {
                return Optional.empty();
            }
            if (d.contains(text)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    private void receive() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(65536);
            while (!closed) {
                long n = Libc.recv(fd, buffer, buffer.byteSize(), 0);
                if (n > 0) {
                    received.add(new String(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
                }
            }
        } catch (ErrnoException e) {
            if (!closed) {
                received.add("error: " + e.getMessage());
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        // Wakes the blocked recv with an empty datagram, then the thread sees closed.
        try (Arena arena = Arena.ofConfined()) {
            int sender = Libc.socket(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC);
            try {
                Libc.sendto(sender, arena.allocate(1), 0, Libc.MSG_NOSIGNAL, Libc.unixAddress(arena, name));
            } finally {
                Libc.closeQuietly(sender);
            }
        } catch (ErrnoException e) {
            receiver.interrupt();
        }
        receiver.join();
        Libc.closeQuietly(fd);
    }
}
