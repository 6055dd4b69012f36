package dev.converge.agent.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code agent} command line: {@code run}, {@code validate}, {@code graph}, {@code deploy} and {@code status}. */
@Command(
        name = "agent",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "converge: applies a resource graph concurrently and keeps it converged.",
        subcommands = {RunCommand.class, ValidateCommand.class, GraphCommand.class, DeployCommand.class, StatusCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {

    /** Exit status: converged, every resource in its desired state. */
    public static final int OK = 0;
    /** Exit status: some resource failed (its dependents were skipped). */
    public static final int FAILED = 1;
    /** Exit status: usage error or invalid graph; nothing was applied. */
    public static final int INVALID = 2;

    public static void main(String[] args) {
        System.setProperty("java.util.logging.manager", "org.apache.logging.log4j.jul.LogManager");
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit status. */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** Runs the command line with its own stdout and stderr (logging still goes to System.err). */
    public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        return commandLine().setOut(out).setErr(err).execute(args);
    }

    private static CommandLine commandLine() {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
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
