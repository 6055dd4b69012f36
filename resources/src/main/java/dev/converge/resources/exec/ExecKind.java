package dev.converge.resources.exec;

import dev.converge.resources.Problem;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceId;
import dev.converge.resources.ResourceKind;
import java.util.ArrayList;
import java.util.List;

/** The {@code exec} kind: runs a command when its guards say the state is not yet right. */
public final class ExecKind implements ResourceKind<ExecParams> {

    public static final String NAME = "exec";

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
        if (!p.cwd().isEmpty() && !p.cwd().startsWith("/")) {
            problems.add(Problem.error("cwd", "cwd must be an absolute path, got '" + p.cwd() + "'"));
        }
        if (!p.creates().isEmpty() && !p.creates().startsWith("/")) {
            problems.add(Problem.error("creates", "creates must be an absolute path, got '" + p.creates() + "'"));
        }
        if (!p.watchcmd().isEmpty()) {
            problems.add(Problem.warning("watchcmd",
                    "watchcmd is not watched by this version of converge; the command is ignored"));
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
}
