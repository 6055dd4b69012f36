package dev.converge.agent.cli;

import dev.converge.agent.report.Journal;
import dev.converge.resources.posix.Platform;
import dev.converge.resources.process.GroupCommand;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code agent} command line: {@code run}, {@code validate}, {@code graph}, {@code deploy} and {@code status}. */
@Command(
        name = "agent",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "converge: applies a resource graph concurrently and keeps it converged.")
public final class Main {

    /**
     * The subcommands, in help order. Only the one named by the first argument is given to picocli:
     * reading a command's annotations costs tens of milliseconds at JVM start, so {@code agent run}
     * does not pay for {@code deploy}'s options. Any other first argument gets them all.
     */
    private static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

    /** Exit status: converged, every resource in its desired state. */
    public static final int OK = 0;
    /** Exit status: some resource failed (its dependents were skipped). */
    public static final int FAILED = 1;
    /** Exit status: usage error or invalid graph; nothing was applied. */
    public static final int INVALID = 2;

    public static void main(String[] args) throws InterruptedException {
        Optional<String> unsupported = Platform.unsupported();
        if (unsupported.isPresent()) {
            System.err.println("agent: " + unsupported.get());
            System.exit(INVALID);
        }
        System.setProperty("java.util.logging.manager", "org.apache.logging.log4j.jul.LogManager");
        // etcd over https: the jar has no netty-tcnative, so TLS is the JDK's either way and this
        // loses nothing. Without it netty still looks for OpenSSL's library with System::loadLibrary,
        // a restricted call that finds nothing and, without --enable-native-access, prints 4 JDK
        // warnings and a blank line. netty leaves sun.misc.Unsafe alone on JDK 25 by itself, and the
        // jar has no native transport: nothing to turn off there.
        System.setProperty("io.netty.handler.ssl.noOpenSsl", "true");
        Journal.usePriorityPrefixIfJournal();
        // log4j reads its configuration on a second thread while picocli reads the command line.
        // Nothing logs before the command runs, and the command runs once it is done: a logger
        // taken while log4j is still starting would drop lines.
        Thread logging = Thread.ofPlatform().daemon().name("log-init").start(() -> LogManager.getContext(false));
        if (args.length > 0 && args[0].equals("run")) {
            // The first command would wait ~300 ms for the native calls to link; link them while
            // the graph loads.
            Thread.ofPlatform().daemon().name("process-warm-up").start(GroupCommand::prepare);
        }
        int exit = commandLine(args).setExecutionStrategy(parsed -> {
            awaitLogging(logging);
            return new CommandLine.RunLast().execute(parsed);
        }).execute(args);
        logging.join();
        // Lines still queued for the log's writer thread are written before the JVM ends.
        LogManager.shutdown();
        System.exit(exit);
    }

    private static void awaitLogging(Thread logging) {
        try {
            logging.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs the command line and returns its exit status. */
    public static int execute(String... args) {
        return commandLine(args).execute(args);
    }

    /** Runs the command line with its own stdout and stderr (logging still goes to System.err). */
    public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        return commandLine(args).setOut(out).setErr(err).execute(args);
    }

    private static CommandLine commandLine(String... args) {
        CommandLine commandLine = new CommandLine(new Main());
        Supplier<Object> only = args.length == 0 ? null : SUBCOMMANDS.get(args[0]);
        if (only != null) {
            commandLine.addSubcommand(args[0], only.get());
        } else {
            SUBCOMMANDS.forEach((name, command) -> commandLine.addSubcommand(name, command.get()));
            commandLine.addSubcommand("help", new CommandLine.HelpCommand());
        }
        CommandLine run = commandLine.getSubcommands().get("run");
        if (run != null && Arrays.asList(args).contains("--detailed-exitcodes")) {
            // Puppet's detailed exit codes: 2 means "changes", so a usage error is 1.
            run.getCommandSpec().exitCodeOnInvalidInput(RunCommand.DETAILED_INVALID);
        }
        return commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    }

    private static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> commands = new LinkedHashMap<>();
        commands.put("run", RunCommand::new);
        commands.put("validate", ValidateCommand::new);
        commands.put("graph", GraphCommand::new);
        commands.put("deploy", DeployCommand::new);
        commands.put("status", StatusCommand::new);
        return commands;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"converge agent " + (v == null ? "(development build)" : v)
                    + " on Java " + Runtime.version()};
        }
    }
}
