package dev.converge.agent.dot;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.converge.resources.process.CommandException;
import dev.converge.resources.process.CommandOutput;
import dev.converge.resources.process.CommandStartException;
import dev.converge.resources.process.CommandTimeoutException;
import dev.converge.resources.process.GroupCommand;
import dev.converge.resources.process.RunAs;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Writes DOT text to a file, rendered by Graphviz's {@code dot} command when the file's extension
 * asks for an image: {@code .svg}, {@code .png} or {@code .pdf}; {@code .dot} is written as text.
 *
 * <p>{@code dot -T<format> -o <temporary file> <DOT file>} writes the image beside the target, and
 * the temporary file is then renamed over the target, so readers never see a half-written file.
 * {@code dot} runs as every command of the agent does (its own process group, killed with it
 * after the timeout). Instances are immutable and thread-safe.
 */
public final class DotRenderer {

    /** A graph could not be drawn: unsupported file extension, {@code dot} failed or timed out. */
    public static class RenderException extends IOException {

        public RenderException(String message) {
            super(message);
        }

        public RenderException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The {@code dot} command could not be started; the message says how to install it. */
    public static final class DotNotInstalledException extends RenderException {

        static final String MESSAGE =
                "graphviz's dot is not installed; install it with `apt-get install graphviz` (or write .dot output)";

        public DotNotInstalledException(Throwable cause) {
            super(MESSAGE, cause);
        }
    }

    /** How long {@code dot} may run unless a renderer is built with another limit. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private static final List<String> EXTENSIONS = List.of("svg", "png", "pdf", "dot");
    private static final int MAX_ERROR_CHARS = 4000;
    private static final int CAPTURE_BYTES = 64 * 1024;

    private final String command;
    private final Duration timeout;

    /** Runs {@code dot} from the {@code PATH}, with {@link #DEFAULT_TIMEOUT}. */
    public DotRenderer() {
        this("dot", DEFAULT_TIMEOUT);
    }

    /**
     * @param command the {@code dot} executable: a name looked up on the {@code PATH}, or a path
     * @param timeout how long one run may take before it is killed; positive
     */
    public DotRenderer(String command, Duration timeout) {
        this.command = Objects.requireNonNull(command, "command");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
    }

    /** The file extensions {@link #render} accepts, without the dot. */
    public static List<String> supportedExtensions() {
        return EXTENSIONS;
    }

    /**
     * The lower-cased extension of {@code out} if {@link #render} supports it.
     *
     * @throws RenderException naming the supported extensions otherwise
     */
    public static String checkSupported(Path out) throws RenderException {
        Path fileName = out.getFileName();
        String name = fileName == null ? "" : fileName.toString();
        int dot = name.lastIndexOf('.');
        String extension = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        if (!EXTENSIONS.contains(extension)) {
            throw new RenderException("cannot draw the graph to " + out + ": "
                    + (dot < 0 ? "it has no file extension" : "unsupported extension ." + extension)
                    + "; use one of ." + String.join(", .", EXTENSIONS));
        }
        return extension;
    }

    /**
     * Writes {@code dot} to {@code out}: as text for {@code .dot}, else rendered in the format
     * its extension names. Replaces {@code out} atomically; leaves it untouched on failure.
     *
     * @throws DotNotInstalledException if the {@code dot} command cannot be started
     * @throws RenderException          if the extension is not supported, or {@code dot} fails
     *                                  (the message holds its error output) or times out
     * @throws IOException              if the file cannot be written
     */
    public void render(String dot, Path out) throws IOException {
        Objects.requireNonNull(dot, "dot");
        String format = checkSupported(out);
        if (format.equals("dot")) {
            writeDot(dot, out);
            return;
        }
        Path target = out.toAbsolutePath();
        Path temporary = temporaryBeside(target);
        try {
            Outcome outcome = run(List.of("-T" + format, "-o", temporary.toString()), dot.getBytes(UTF_8));
            if (outcome.exitCode() != 0) {
                throw new RenderException("dot -T" + format + " failed with exit code " + outcome.exitCode()
                        + (outcome.stderr().isEmpty() ? "" : ": " + outcome.stderr()));
            }
            moveIntoPlace(temporary, target);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /**
     * {@code dot} rendered as SVG text, through a temporary file that is gone afterwards.
     *
     * @throws DotNotInstalledException if the {@code dot} command cannot be started
     * @throws RenderException          if {@code dot} fails or times out
     */
    public String svg(String dot) throws IOException {
        Path file = Files.createTempFile("converge-plan-", ".svg");
        try {
            render(dot, file);
            return Files.readString(file, UTF_8);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * The version line {@code dot -V} prints, such as {@code dot - graphviz version 2.43.0 (0)}.
     *
     * @throws DotNotInstalledException if the {@code dot} command cannot be started
     * @throws RenderException          if it fails or times out
     */
    public String version() throws IOException {
        Outcome outcome = run(List.of("-V"), new byte[0]);
        if (outcome.exitCode() != 0) {
            throw new RenderException("dot -V failed with exit code " + outcome.exitCode() + ": " + outcome.stderr());
        }
        return outcome.stderr();
    }

    /** Writes DOT text to {@code out} as UTF-8, replacing it atomically. */
    public static void writeDot(String dot, Path out) throws IOException {
        Objects.requireNonNull(dot, "dot");
        Path target = out.toAbsolutePath();
        Path temporary = temporaryBeside(target);
        try {
            Files.writeString(temporary, dot, UTF_8);
            moveIntoPlace(temporary, target);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private record Outcome(int exitCode, String stderr) {}

    /**
     * Runs {@code dot} with {@code arguments} as a command of the agent's process layer (its own
     * process group, killed on timeout or interrupt), then with {@code input} as a last argument:
     * a temporary file holding it, when there is any. stdout is discarded; stderr is returned.
     */
    private Outcome run(List<String> arguments, byte[] input) throws IOException {
        Path inputFile = input.length == 0 ? null : Files.createTempFile("converge-graph-", ".dot");
        try {
            var argv = new ArrayList<String>();
            argv.add(command);
            argv.addAll(arguments);
            if (inputFile != null) {
                Files.write(inputFile, input);
                argv.add(inputFile.toString());
            }
            GroupCommand.Result result = new GroupCommand("dot", argv, "", Map.of(), timeout, RunAs.AGENT,
                    CommandOutput.DISCARD).withCapture(CAPTURE_BYTES).run();
            String errors = result.output().orElse(String.join("\n", result.tail())).strip();
            if (errors.length() > MAX_ERROR_CHARS) {
                errors = errors.substring(0, MAX_ERROR_CHARS) + "...";
            }
            return new Outcome(result.status(), errors);
        } catch (CommandStartException e) {
            throw new DotNotInstalledException(e);
        } catch (CommandTimeoutException e) {
            throw new RenderException("dot did not finish within " + PlanDrawing.format(timeout) + " and was killed", e);
        } catch (CommandException e) {
            throw new RenderException("dot failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for dot");
        } finally {
            if (inputFile != null) {
                Files.deleteIfExists(inputFile);
            }
        }
    }

    /**
     * A new empty file next to {@code target}. It gets {@code target}'s permissions if that
     * exists, else {@code rw-r--r--}, rather than the owner-only ones of a temporary file.
     */
    private static Path temporaryBeside(Path target) throws IOException {
        Path temporary = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp");
        PosixFileAttributeView view = Files.getFileAttributeView(temporary, PosixFileAttributeView.class);
        if (view != null) {
            view.setPermissions(Files.exists(target)
                    ? Files.getPosixFilePermissions(target)
                    : PosixFilePermissions.fromString("rw-r--r--"));
        }
        return temporary;
    }

    private static void moveIntoPlace(Path temporary, Path target) throws IOException {
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
