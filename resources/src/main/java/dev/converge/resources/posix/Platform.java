package dev.converge.resources.posix;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Optional;

/**
 * Whether this machine can run the agent's native layer ({@link Libc}): Linux on x86_64 or
 * aarch64 with glibc 2.34 or later (for {@code posix_spawn}'s {@code SETSID},
 * {@code addchdir_np} and {@code addclosefrom_np}). Asks without loading {@link Libc}, whose
 * bindings fail on any other platform. Thread-safe.
 */
public final class Platform {

    /** What the native layer needs, as messages say it. */
    static final String REQUIREMENT = "converge needs Linux (x86_64 or aarch64) with glibc 2.34 or later";

    private static final List<String> ARCHES = List.of("amd64", "x86_64", "aarch64");
    private static final List<String> REQUIRED = List.of("posix_spawn", "posix_spawnattr_setflags",
            "posix_spawn_file_actions_addchdir_np", "posix_spawn_file_actions_addclosefrom_np", "epoll_create1",
            "inotify_init1", "syscall", "gnu_get_libc_version");

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
        return unsupportedGlibc(libcVersion(libc));
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

    /** Why glibc {@code version} (e.g. {@code 2.36}) is too old, or empty when it will do. */
    static Optional<String> unsupportedGlibc(String version) {
        String[] parts = version.split("\\.");
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = parts.length > 1 ? Integer.parseInt(parts[1].replaceAll("[^0-9].*", "")) : 0;
            if (major < 2 || (major == 2 && minor < 34)) {
                return Optional.of(REQUIREMENT + "; this is glibc " + version);
            }
        } catch (NumberFormatException e) {
            return Optional.of(REQUIREMENT + "; cannot read glibc's version '" + version + "'");
        }
        return Optional.empty();
    }

    private static String libcVersion(SymbolLookup libc) {
        MethodHandle version = Linker.nativeLinker().downcallHandle(libc.find("gnu_get_libc_version").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS));
        try {
            return ((MemorySegment) version.invokeExact()).reinterpret(64).getString(0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
