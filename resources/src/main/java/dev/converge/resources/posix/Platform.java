package dev.converge.resources.posix;

import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.util.List;
import java.util.Optional;

/**
 * Whether this machine can run the agent's native layer ({@link Libc}): Linux on x86_64 or
 * aarch64 with glibc 2.34 or later (for {@code posix_spawn}'s {@code SETSID},
 * {@code addchdir_np} and {@code addclosefrom_np}). Asks without loading {@link Libc}, whose
 * bindings fail on any other platform, and without calling into the C library: it only looks
 * its functions up, which takes no time at start. Thread-safe.
 */
public final class Platform {

    /** What the native layer needs, as messages say it. */
    static final String REQUIREMENT = "converge needs Linux (x86_64 or aarch64) with glibc 2.34 or later";

    private static final List<String> ARCHES = List.of("amd64", "x86_64", "aarch64");
    /** The functions the native layer calls; the last two are glibc 2.29's and 2.34's. */
    private static final List<String> REQUIRED = List.of("posix_spawn", "posix_spawnattr_setflags", "epoll_create1",
            "inotify_init1", "syscall", "posix_spawn_file_actions_addchdir_np",
            "posix_spawn_file_actions_addclosefrom_np");

    private Platform() {
    }

    /** Why the native layer cannot work here, or empty when it can. */
    public static Optional<String> unsupported() {
        Optional<String> machine = unsupported(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
        if (machine.isPresent()) {
            return machine;
        }
        SymbolLookup libc = Linker.nativeLinker().defaultLookup();
        for (String function : REQUIRED) {
            if (libc.find(function).isEmpty()) {
                return Optional.of(REQUIREMENT + "; this C library has no " + function);
            }
        }
        return Optional.empty();
    }

    /** Why an {@code os} ({@code os.name}) on {@code arch} ({@code os.arch}) cannot run the agent, or empty. */
    static Optional<String> unsupported(String os, String arch) {
        if (!os.equals("Linux")) {
            return Optional.of(REQUIREMENT + "; this is " + os);
        }
        if (!ARCHES.contains(arch)) {
            return Optional.of(REQUIREMENT + "; this machine is " + arch);
        }
        return Optional.empty();
    }
}
