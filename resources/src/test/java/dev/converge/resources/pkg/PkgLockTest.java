package dev.converge.resources.pkg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.RecordingContext;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The bounded wait for dpkg's lock, against a real fcntl lock held by another process. */
@Timeout(60)
class PkgLockTest {

    private static final ResourceId ID = ResourceId.of("pkg", "hello");

    @TempDir
    Path dir;

    private final RecordingContext ctx = new RecordingContext(ID);

    /** Holds an fcntl write lock on a file, as dpkg does, for some seconds; run in another JVM. */
    static final class Holder {

        public static void main(String[] args) throws Exception {
            try (var channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    var lock = channel.lock()) {
                System.out.println("locked");
                Thread.sleep((long) (Double.parseDouble(args[1]) * 1000));
            }
        }
    }

    /**
     * Starts another process ({@link Holder} in a second JVM) that holds the lock on
     * {@code path} for {@code seconds}, and returns once it holds it.
     */
    static Process holdLock(Path path, double seconds) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String classes = Path.of(Holder.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        Process p = new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", classes,
                Holder.class.getName(), path.toString(), Double.toString(seconds))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        var out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("locked");
        return p;
    }

    @Test
    void returnsAtOnceWhenNobodyHoldsTheLockOrTheFileIsMissing() throws Exception {
        Path lock = Files.createFile(dir.resolve("lock-frontend"));
        new DpkgLock(lock, Duration.ofSeconds(5), Duration.ofMillis(50)).awaitFree(ID, ctx);
        new DpkgLock(dir.resolve("missing"), Duration.ofSeconds(5), Duration.ofMillis(50)).awaitFree(ID, ctx);
        assertThat(ctx.logs()).isEmpty();
        assertThat(dir.resolve("missing")).doesNotExist();
    }

    @Test
    void waitsWhileAnotherProcessHoldsTheLock() throws Exception {
        Path lock = dir.resolve("lock-frontend");
        Process holder = holdLock(lock, 1.5);
        try {
            long start = System.nanoTime();
            new DpkgLock(lock, Duration.ofSeconds(30), Duration.ofMillis(100)).awaitFree(ID, ctx);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(500));
            assertThat(holder.waitFor(5, TimeUnit.SECONDS)).as("the holder ended, which freed the lock").isTrue();
            assertThat(ctx.logs()).hasSize(2)
                    .first().asString().startsWith("waiting for the dpkg lock held by another process (" + lock);
            assertThat(ctx.logs().get(1)).startsWith("the dpkg lock is free after ");
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }

    @Test
    void givesUpAfterTheBound() throws Exception {
        Path lock = dir.resolve("lock-frontend");
        Process holder = holdLock(lock, 30);
        try {
            var wait = new DpkgLock(lock, Duration.ofSeconds(1), Duration.ofMillis(100));
            assertThatThrownBy(() -> wait.awaitFree(ID, ctx)).isInstanceOf(ResourceException.class)
                    .hasMessage("the dpkg lock " + lock + " was still held by another process after 1 s;"
                            + " is another apt or dpkg run stuck?")
                    .satisfies(e -> assertThat(((ResourceException) e).id()).isEqualTo(ID));
            assertThat(ctx.logs()).singleElement().asString().startsWith("waiting for the dpkg lock");
            assertThat(holder.isAlive()).isTrue();
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }
}
