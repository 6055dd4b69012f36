package dev.converge.resources.account;

import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.process.CommandException;
import dev.converge.resources.process.CommandOutput;
import dev.converge.resources.process.Executables;
import dev.converge.resources.process.GroupCommand;
import dev.converge.resources.process.RunAs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs shadow-utils' tools ({@code useradd}, {@code usermod}, {@code userdel}, {@code groupadd},
 * {@code groupmod}, {@code groupdel}) as the agent's other commands run: a {@link GroupCommand}
 * with an argument vector, never a shell, in the C locale. Each line the tool prints goes to the
 * resource's output; a tool that exits non-zero fails the resource with the last lines it printed (its
 * complaint is on stderr).
 *
 * <p>Stateless and thread-safe.
 */
final class ShadowTools {

    /** How long one tool may run: they take a lock on the account files and may wait for it. */
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** Where the tools are looked for after the agent's PATH: they live in the sbin directories. */
    private static final String SBIN = "/usr/sbin:/sbin:/usr/bin:/bin";

    private ShadowTools() {
    }

    /**
     * Runs {@code tool} with {@code args} to success.
     *
     * @throws ResourceException when the tool is missing, cannot start, times out or exits non-zero
     * @throws InterruptedException when the thread is interrupted; the tool is dead by then
     */
    static void run(ResourceId id, ResourceContext ctx, String tool, List<String> args)
            throws ResourceException, InterruptedException {
        String path = Optional.ofNullable(System.getenv("PATH")).map(p -> p + ":" + SBIN).orElse(SBIN);
        Path program = Executables.find(tool, path, Path.of("/")).orElseThrow(() -> new ResourceException(id,
                tool + " is not installed (it comes with shadow-utils, the Debian package passwd)"));
        var argv = new ArrayList<String>(args.size() + 1);
        argv.add(program.toString());
        argv.addAll(args);
        String label = "`" + tool + " " + String.join(" ", args) + "`";
        GroupCommand.Result result;
        try {
            result = new GroupCommand(label, argv, "", Map.of("LC_ALL", "C"), TIMEOUT, RunAs.AGENT,
                    CommandOutput.of(ctx)).run();
        } catch (CommandException e) {
            throw new ResourceException(id, e.getMessage(), e);
        }
        if (result.status() != 0) {
            List<String> lines = result.tail();
            throw new ResourceException(id, label + " exited with status " + result.status()
                    + (lines.isEmpty() ? "" : ": " + String.join("; ", lines)));
        }
    }
}
