package dev.converge.resources.exec;

import dev.converge.resources.Account;
import dev.converge.resources.AccountHints;
import dev.converge.resources.PathHints;
import dev.converge.resources.Problem;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceId;
import dev.converge.resources.ResourceKind;
import dev.converge.resources.process.Executables;
import dev.converge.resources.process.RunAs;
import dev.converge.resources.exec.CommandLine.Role;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The {@code exec} kind: runs a command when its guards say the state is not yet right.
 *
 * <p>Validation checks what can be checked without the target host: required and exclusive
 * fields, absolute paths, the syntax of {@code user}, {@code group} and {@code env} names.
 * Whether the user and group exist is checked when the resource runs.
 */
public final class ExecKind implements ResourceKind<ExecParams> {

    public static final String NAME = "exec";

    /** An environment variable name as POSIX shells accept it. */
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** A plain absolute path at the start of a shell command, with no shell syntax in it. */
    private static final Pattern SCRIPT_PROGRAM = Pattern.compile("/[A-Za-z0-9._+@%,/-]+");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<ExecParams> paramsType() {
        return ExecParams.class;
    }

    @Override
    public ExecParams defaults() {
        return ExecParams.DEFAULTS;
    }

    @Override
    public List<Problem> validate(String name, ExecParams p) {
        var problems = new ArrayList<Problem>();
        if (p.cmd().isBlank()) {
            problems.add(Problem.error("cmd", "cmd is required"));
        }
        if (!p.shell().isEmpty() && !p.args().isEmpty()) {
            problems.add(Problem.error("args", "args apply only without a shell; put them in cmd"));
        }
        if (p.timeout() < 0) {
            problems.add(Problem.error("timeout", "timeout must be >= 0 seconds, got " + p.timeout()));
        }
        for (Role role : Role.values()) {
            absolute(problems, role.cwdField, role.cwdField, role.ownCwd(p));
            if (role != Role.CMD && role.text(p).isBlank()) {
                unused(problems, role.shellField, role.shell(p), role.field);
                unused(problems, role.cwdField, role.ownCwd(p), role.field);
            }
        }
        if (p.ifequals() != null && p.ifcmd().isBlank()) {
            problems.add(Problem.warning("ifequals", "ifequals has no effect without ifcmd; it is ignored"));
        }
        absolute(problems, "creates", "creates", p.creates());
        for (int i = 0; i < p.watchfiles().size(); i++) {
            String file = p.watchfiles().get(i);
            if (file.isEmpty()) {
                problems.add(Problem.error("watchfiles", "watchfiles[" + i + "] is empty; give an absolute path"));
            } else {
                absolute(problems, "watchfiles", "watchfiles[" + i + "]", file);
            }
        }
        account(problems, "user", p.user());
        account(problems, "group", p.group());
        for (String key : new TreeSet<>(p.env().keySet())) {
            if (!ENV_NAME.matcher(key).matches()) {
                problems.add(Problem.error("env", "env: '" + key + "' is not a variable name"
                        + " (letters, digits and _, not starting with a digit)"));
            }
        }
        if (p.pollint() != 0) {
            problems.add(Problem.warning("pollint",
                    "pollint is a legacy mgmt field and is ignored; use meta: {poll: SECONDS}"));
        }
        if (!p.state().isEmpty() && !p.state().equals("present")) {
            problems.add(Problem.warning("state",
                    "state is a legacy mgmt field; only 'present' has a meaning, '" + p.state() + "' is ignored"));
        }
        return problems;
    }

    @Override
    public Resource create(String name, ExecParams params) {
        return new ExecResource(ResourceId.of(NAME, name), params);
    }

    /**
     * Provides {@code creates}. Needs the working directory of each command, the directory of
     * {@code creates}, and the program of each command: its shell or, without one, its first
     * word when that is an absolute path or found on {@code PATH} (that of {@code env}, else the
     * agent's); with a shell, also the command's first word when it is a plain absolute path.
     */
    @Override
    public PathHints pathHints(String name, ExecParams p) {
        var provides = new LinkedHashSet<Path>();
        var needs = new LinkedHashSet<Path>();
        String searchPath = p.env().getOrDefault("PATH",
                Optional.ofNullable(System.getenv("PATH")).orElse(Executables.DEFAULT_PATH));
        for (Role role : Role.values()) {
            CommandLine c = CommandLine.of(p, role);
            if (c.isEmpty()) {
                continue;
            }
            if (!c.cwd().isEmpty()) {
                needs.add(Path.of(c.cwd()).normalize());
            }
            Executables.findAbsolute(c.program(), searchPath).ifPresent(needs::add);
            if (!c.shell().isEmpty()) {
                String first = c.text().strip().split("\\s+", 2)[0];
                if (SCRIPT_PROGRAM.matcher(first).matches()) {
                    needs.add(Path.of(first).normalize());
                }
            }
        }
        if (!p.creates().isEmpty()) {
            Path creates = Path.of(p.creates()).normalize();
            provides.add(creates);
            if (creates.getParent() != null) {
                needs.add(creates.getParent());
            }
        }
        return new PathHints(provides, needs);
    }

    /**
     * Needs the account of {@code user} and of {@code group} when they are names, not numeric
     * ids: a user or group resource that creates it comes first.
     */
    @Override
    public AccountHints accountHints(String name, ExecParams p) {
        var needs = new LinkedHashSet<Account>();
        Account.named(Account.Type.USER, p.user()).ifPresent(needs::add);
        Account.named(Account.Type.GROUP, p.group()).ifPresent(needs::add);
        return AccountHints.needing(needs);
    }

    private static void absolute(List<Problem> problems, String field, String shown, String path) {
        if (path.isEmpty()) {
            return;
        }
        if (!path.startsWith("/")) {
            problems.add(Problem.error(field, shown + " must be an absolute path, got '" + path + "'"));
            return;
        }
        try {
            Path.of(path);
        } catch (InvalidPathException e) {
            problems.add(Problem.error(field, shown + " is not a valid path: " + e.getReason()));
        }
    }

    private static void unused(List<Problem> problems, String field, String value, String command) {
        if (!value.isEmpty()) {
            problems.add(Problem.warning(field, field + " has no effect without " + command + "; it is ignored"));
        }
    }

    private static void account(List<Problem> problems, String field, String value) {
        if (!value.isEmpty() && !RunAs.NAME.matcher(value).matches()) {
            problems.add(Problem.error(field, field + " must be a " + field + " name or a numeric id, got '"
                    + value + "'"));
        }
    }
}
