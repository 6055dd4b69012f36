/**
 * The agent's native layer: the C library calls the JDK does not offer, made through
 * {@code java.lang.foreign} ({@link dev.converge.resources.posix.Libc}), and the check that this
 * machine can make them ({@link dev.converge.resources.posix.Platform}: Linux on x86_64 or
 * aarch64, glibc 2.34 or later).
 *
 * <p>The JVM must allow native access for the code that holds this package
 * ({@code --enable-native-access=ALL-UNNAMED} for the agent's jar); the launcher, the tests and
 * the benchmarks pass it, so no "restricted method" warning reaches stderr.
 *
 * <p>A failed call throws {@link dev.converge.resources.posix.ErrnoException}, which names the
 * function and the error; callers turn it into their own typed errors.
 */
package dev.converge.resources.posix;
