package dev.converge.resources.exec;

import dev.converge.resources.Resource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Mutable stand-in for the many components of {@link ExecParams}, for tests; defaults as in the kind. */
final class ExecBuilder {

    String cmd = "";
    List<String> args = List.of();
    String shell = "";
    String cwd = "";
    Map<String, String> env = Map.of();
    long timeout;
    String user = "";
    String group = "";
    String ifcmd = "";
    String ifshell = "";
    String ifcwd = "";
    String ifequals;
    String nifcmd = "";
    String nifshell = "";
    String nifcwd = "";
    String creates = "";
    String donecmd = "";
    String doneshell = "";
    String donecwd = "";
    boolean refreshonly;
    String watchcmd = "";
    String watchshell = "";
    String watchcwd = "";
    List<String> watchfiles = List.of();
    long pollint;
    String state = "";

    /** {@code cmd} run directly, split on whitespace. */
    static ExecBuilder direct(String cmd) {
        var b = new ExecBuilder();
        b.cmd = cmd;
        return b;
    }

    /** {@code cmd} run by {@code /bin/sh -c}. */
    static ExecBuilder sh(String cmd) {
        var b = direct(cmd);
        b.shell = "/bin/sh";
        return b;
    }

    ExecParams build() {
        return new ExecParams(cmd, args, shell, cwd, env, timeout, user, group,
                ifcmd, ifshell, ifcwd, ifequals, nifcmd, nifshell, nifcwd, creates,
                donecmd, doneshell, donecwd, refreshonly, watchcmd, watchshell, watchcwd, watchfiles,
                pollint, state);
    }

    Resource resource() {
        return new ExecKind().create("t", build());
    }

    /** Shell text that writes {@code value} to {@code file} atomically, so readers never see it half-written. */
    static boolean isRoot() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
