package dev.converge.resources.exec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One of the commands of an {@code exec} resource, with the shell and working directory that
 * apply to it.
 *
 * <p>Invariants: all fields are non-null; {@code args} is empty unless the role is
 * {@link Role#CMD} and there is no shell; {@code cwd} is the effective directory (the role's own
 * or else the resource's {@code cwd}), empty meaning the agent's.
 *
 * @param role  which command this is
 * @param text  the command as written; blank when the resource has none in this role
 * @param shell the shell that runs {@code text}; empty runs it directly
 * @param args  arguments appended to the split {@code text}
 * @param cwd   the working directory
 */
record CommandLine(Role role, String text, String shell, List<String> args, String cwd) {

    /** The commands of an exec resource and the names of the fields that configure them. */
    enum Role {
        CMD("cmd", "shell", "cwd"),
        IFCMD("ifcmd", "ifshell", "ifcwd"),
        NIFCMD("nifcmd", "nifshell", "nifcwd"),
        DONECMD("donecmd", "doneshell", "donecwd"),
        WATCHCMD("watchcmd", "watchshell", "watchcwd");

        final String field;
        final String shellField;
        final String cwdField;

        Role(String field, String shellField, String cwdField) {
            this.field = field;
            this.shellField = shellField;
            this.cwdField = cwdField;
        }

        String text(ExecParams p) {
            return switch (this) {
                case CMD -> p.cmd();
                case IFCMD -> p.ifcmd();
                case NIFCMD -> p.nifcmd();
                case DONECMD -> p.donecmd();
                case WATCHCMD -> p.watchcmd();
            };
        }

        String shell(ExecParams p) {
            return switch (this) {
                case CMD -> p.shell();
                case IFCMD -> p.ifshell();
                case NIFCMD -> p.nifshell();
                case DONECMD -> p.doneshell();
                case WATCHCMD -> p.watchshell();
            };
        }

        /** The role's own working directory field, before falling back to {@code cwd}. */
        String ownCwd(ExecParams p) {
            return switch (this) {
                case CMD -> p.cwd();
                case IFCMD -> p.ifcwd();
                case NIFCMD -> p.nifcwd();
                case DONECMD -> p.donecwd();
                case WATCHCMD -> p.watchcwd();
            };
        }
    }

    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    CommandLine {
        args = List.copyOf(args);
    }

    /** The command {@code p} has in {@code role}. */
    static CommandLine of(ExecParams p, Role role) {
        String own = role.ownCwd(p);
        String shell = role.shell(p);
        List<String> args = role == Role.CMD && shell.isEmpty() ? p.args() : List.of();
        return new CommandLine(role, role.text(p), shell, args, own.isEmpty() ? p.cwd() : own);
    }

    boolean isEmpty() {
        return text.isBlank();
    }

    /** Without a shell: {@code text} split on whitespace, then {@code args}; else {@code shell -c text}. */
    List<String> argv() {
        if (!shell.isEmpty()) {
            return List.of(shell, "-c", text);
        }
        var argv = new ArrayList<String>();
        String trimmed = text.strip();
        if (!trimmed.isEmpty()) {
            argv.addAll(Arrays.asList(WHITESPACE.split(trimmed)));
        }
        argv.addAll(args);
        return argv;
    }

    /** The program that runs: the shell, or else the first word of {@code text}. */
    String program() {
        if (!shell.isEmpty()) {
            return shell;
        }
        String trimmed = text.strip();
        return trimmed.isEmpty() ? "" : WHITESPACE.split(trimmed, 2)[0];
    }

    /** The command as messages show it: {@code text} and then {@code args}. */
    String shown() {
        return args.isEmpty() ? text : text + " " + String.join(" ", args);
    }

    /** How messages name the command: {@code `make`} for {@code cmd}, {@code ifcmd `test -e x`} for the others. */
    String label() {
        return role == Role.CMD ? "`" + shown() + "`" : role.field + " `" + shown() + "`";
    }
}
