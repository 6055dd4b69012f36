package dev.converge.resources.posix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * The C library calls the JDK does not offer, made through {@code java.lang.foreign}: process
 * spawning ({@code posix_spawn} and its attributes), signals, pipes, {@code epoll}, pidfds,
 * {@code inotify}, the file calls relative to an opened directory, and Unix datagram sockets
 * (systemd's notify socket). Linux with glibc 2.34 or later on x86_64 or aarch64 only;
 * {@link Platform#unsupported} says why another platform cannot run the agent, and must be asked
 * before this class is first used.
 *
 * <p>Each method is one call. A call that fails throws an {@link ErrnoException} naming the
 * function and {@code errno}, except where the Javadoc says it returns the error number. Memory
 * passed in must stay valid for the call only; nothing here keeps it.
 *
 * <p>Thread-safe: any thread may call any method; {@code errno} is captured per call.
 */
public final class Libc {

    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int EPERM = 1;
    public static final int EACCES = 13;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int ENOTEMPTY = 39;
    public static final int ELOOP = 40;

    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;

    public static final int O_RDONLY = 0;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;

    public static final int EPOLLIN = 0x1;

    public static final int O_WRONLY = 01;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NOCTTY = 0400;
    public static final int O_PATH = 010000000;
    /** Differs between x86_64 (0200000) and aarch64 (040000). */
    public static final int O_DIRECTORY = isX86() ? 0200000 : 040000;
    /** Differs between x86_64 (0400000) and aarch64 (0100000). */
    public static final int O_NOFOLLOW = isX86() ? 0400000 : 0100000;
    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int AT_EMPTY_PATH = 0x1000;
    /** {@code unlinkat}: remove an empty directory instead of a file. */
    public static final int AT_REMOVEDIR = 0x200;
    public static final int EEXIST = 17;
    /** {@code openat2}'s resolve flag: fail with {@code ELOOP} at any symbolic link on the way. */
    public static final long RESOLVE_NO_SYMLINKS = 0x04;
    /** {@code openat2}'s resolve flag: no {@code /proc/PID/fd}-style magic links. */
    public static final long RESOLVE_NO_MAGICLINKS = 0x02;
    public static final int S_IFMT = 0170000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFLNK = 0120000;
    /** A directory entry's type as {@code getdents64} reports it: the file system does not say. */
    public static final int DT_UNKNOWN = 0;
    /** A directory entry's type as {@code getdents64} reports it: a directory. */
    public static final int DT_DIR = 4;

    public static final int IN_NONBLOCK = O_NONBLOCK;
    public static final int IN_CLOEXEC = O_CLOEXEC;

    /** {@code posix_spawnattr_setflags}: reset the signals of {@code setsigdefault} to default. */
    public static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    /** {@code posix_spawnattr_setflags}: set the mask of {@code setsigmask}. */
    public static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    /** {@code posix_spawnattr_setflags}: the child calls {@code setsid()} (glibc 2.26). */
    public static final short POSIX_SPAWN_SETSID = 0x80;

    /**
     * {@code struct epoll_event}: a 32-bit event mask, then 64 bits of user data; packed on
     * x86_64, aligned to 8 elsewhere.
     */
    public static final StructLayout EPOLL_EVENT = isX86()
            ? MemoryLayout.structLayout(JAVA_INT.withName("events"),
                    JAVA_LONG.withByteAlignment(4).withName("data"))
            : MemoryLayout.structLayout(JAVA_INT.withName("events"), MemoryLayout.paddingLayout(4),
                    JAVA_LONG.withName("data"));

    private static final VarHandle EPOLL_EVENTS =
            EPOLL_EVENT.arrayElementVarHandle(MemoryLayout.PathElement.groupElement("events"));
    private static final VarHandle EPOLL_DATA =
            EPOLL_EVENT.arrayElementVarHandle(MemoryLayout.PathElement.groupElement("data"));

    public static final int AF_UNIX = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_CLOEXEC = O_CLOEXEC;
    public static final int SOCK_NONBLOCK = O_NONBLOCK;
    /** {@code send} flag: a peer gone away is {@code EPIPE}, not a SIGPIPE. */
    public static final int MSG_NOSIGNAL = 0x4000;
    /** {@code sun_path} of a {@code struct sockaddr_un}, after its 2-byte family. */
    private static final int SUN_PATH_BYTES = 108;

    /** Bytes reserved for a {@code posix_spawnattr_t} (336 on x86_64 glibc). */
    private static final long SPAWNATTR_BYTES = 512;
    /** Bytes reserved for a {@code posix_spawn_file_actions_t} (80 on x86_64 glibc). */
    private static final long FILE_ACTIONS_BYTES = 128;
    /** Bytes of a glibc {@code sigset_t}. */
    private static final long SIGSET_BYTES = 128;
    private static final long SYS_PIDFD_OPEN = 434;
    /** {@code openat2}: the same number on x86_64 and aarch64. */
    private static final long SYS_OPENAT2 = 437;
    /** {@code struct open_how}: flags, mode, resolve; three 64-bit fields. */
    private static final long OPEN_HOW_BYTES = 24;
    private static final long PATH_MAX = 4096;
    /** {@code struct statx}: 256 bytes on every architecture. */
    private static final long STATX_BYTES = 256;
    /** {@code STATX_BASIC_STATS}. */
    private static final int STATX_BASIC = 0x7ff;
    /** A {@code struct pollfd}: int fd, short events, short revents. */
    private static final long POLL_FD_BYTES = 8;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int WNOHANG = 1;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPTION = Linker.Option.captureCallState("errno");

    private static final MethodHandle STRERROR = plain("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = withErrno("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle READ =
            withErrno("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE =
            withErrno("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle PIPE2 = withErrno("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FCNTL = withErrno("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle KILL = withErrno("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle WAITPID =
            withErrno("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETEUID = plain("geteuid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SIGNAL = plain("signal", FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle SYSCALL = withErrno("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle EPOLL_CREATE1 =
            withErrno("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle EPOLL_CTL =
            withErrno("epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle EPOLL_WAIT =
            withErrno("epoll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle INOTIFY_INIT1 =
            withErrno("inotify_init1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle INOTIFY_ADD_WATCH =
            withErrno("inotify_add_watch", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle OPENAT = withErrno("openat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(3));
    private static final MethodHandle FCHMOD = withErrno("fchmod", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCHOWN =
            withErrno("fchown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FSYNC = withErrno("fsync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SYNCFS = withErrno("syncfs", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SYSCALL4 = withErrno("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle RENAMEAT =
            withErrno("renameat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle UNLINKAT =
            withErrno("unlinkat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    /** glibc's wrapper of the system call (since 2.30). */
    private static final MethodHandle GETDENTS64 =
            withErrno("getdents64", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle READLINKAT =
            withErrno("readlinkat", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle STATX = withErrno("statx",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SYMLINKAT =
            withErrno("symlinkat", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle MKDIRAT =
            withErrno("mkdirat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FCHOWNAT = withErrno("fchownat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle GETPWNAM_R = plain("getpwnam_r",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle GETGRNAM_R = plain("getgrnam_r",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle POLL =
            withErrno("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SOCKET =
            withErrno("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = withErrno("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDTO = withErrno("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV =
            withErrno("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SIGEMPTYSET = plain("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SIGFILLSET = plain("sigfillset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SPAWNATTR_INIT =
            plain("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SPAWNATTR_DESTROY =
            plain("posix_spawnattr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SPAWNATTR_SETFLAGS =
            plain("posix_spawnattr_setflags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
    private static final MethodHandle SPAWNATTR_SETSIGMASK =
            plain("posix_spawnattr_setsigmask", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SPAWNATTR_SETSIGDEFAULT =
            plain("posix_spawnattr_setsigdefault", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle ACTIONS_INIT =
            plain("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ACTIONS_DESTROY =
            plain("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ACTIONS_ADDOPEN = plain("posix_spawn_file_actions_addopen",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACTIONS_ADDDUP2 = plain("posix_spawn_file_actions_adddup2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACTIONS_ADDCHDIR = plain("posix_spawn_file_actions_addchdir_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle ACTIONS_ADDCLOSEFROM = plain("posix_spawn_file_actions_addclosefrom_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle POSIX_SPAWN = plain("posix_spawn",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));

    private static final long SCRATCH_OFFSET = 16;
    private static final long SCRATCH_BYTES = 32;
    /** Per thread: the errno capture at offset 0, then {@link #SCRATCH_BYTES} for a call's out-parameters. */
    private static final ThreadLocal<MemorySegment> SCRATCH =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(SCRATCH_OFFSET + SCRATCH_BYTES, 8));

    private Libc() {
    }

    /**
     * Calls each binding once with no lasting effect (a pipe written, read and closed, signal 0
     * sent to this process, spawn attributes made and destroyed; nothing is started), so that the
     * first real call does not pay for the JVM's linking of the call: about 250 ms on a cold JVM.
     * Any thread; idempotent.
     */
    public static void warmUp() {
        int self = (int) ProcessHandle.current().pid();
        try (Arena arena = Arena.ofConfined()) {
            geteuid();
            describe(ENOENT);
            kill(self, 0);
            int[] pipe = pipe(O_CLOEXEC);
            try {
                setNonBlocking(pipe[0]);
                MemorySegment buffer = arena.allocate(POLL_FD_BYTES);
                write(pipe[1], buffer, 1);
                int epoll = epollCreate();
                try {
                    epollAdd(epoll, pipe[0], EPOLLIN, 0);
                    epollWait(epoll, arena.allocate(EPOLL_EVENT, 1), 0);
                    epollDelete(epoll, pipe[0]);
                } finally {
                    close(epoll);
                }
                buffer.set(JAVA_INT, 0, pipe[0]);
                buffer.set(JAVA_SHORT, 4, (short) EPOLLIN);
                poll(buffer, 1, 0);
                read(pipe[0], buffer, 1);
                read(pipe[0], buffer, 1);
            } finally {
                close(pipe[0]);
                close(pipe[1]);
            }
            close(pidfdOpen(self));
            close(inotifyInit(IN_CLOEXEC));
            try {
                reap(self);
            } catch (ErrnoException e) {
                // ECHILD: this process is not its own child, as expected.
            }
            try (var actions = new SpawnFileActions(arena); var attributes = new SpawnAttributes(arena)) {
                actions.open(0, arena.allocateFrom("/dev/null"), O_RDONLY).dup2(1, 1).closeFrom(3)
                        .chdir(arena.allocateFrom("/"));
                attributes.emptySignalMask().allSignalsDefault()
                        .flags((short) (POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
            }
        } catch (ErrnoException e) {
            throw new IllegalStateException("the C library refused a harmless call: " + e.getMessage(), e);
        }
    }

    /** What {@code errno} means, e.g. {@code No such file or directory}. */
    public static String describe(int errno) {
        MemorySegment text;
        try {
            text = (MemorySegment) STRERROR.invokeExact(errno);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        return text.equals(MemorySegment.NULL) ? "error " + errno : text.reinterpret(256).getString(0);
    }

    /** The effective user id. */
    public static int geteuid() {
        try {
            return (int) GETEUID.invokeExact();
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /**
     * Gives {@code signal} its default action again ({@code SIG_DFL}), undoing an ignore inherited
     * from the parent ({@code nohup}, a shell's background job); the JVM installs its handler only
     * on a signal that is not ignored.
     */
    public static void restoreDefaultAction(int signal) {
        MemorySegment previous;
        try {
            previous = (MemorySegment) SIGNAL.invokeExact(signal, MemorySegment.NULL);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        if (previous.address() == -1L) {
            throw new IllegalArgumentException("signal " + signal + ": no such signal, or one that cannot be caught");
        }
    }

    public static void close(int fd) throws ErrnoException {
        MemorySegment state = SCRATCH.get();
        int r;
        try {
            r = (int) CLOSE.invokeExact(state, fd);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        check("close", r, state);
    }

    /** Closes {@code fd}, ignoring errors (for cleanup paths); negative descriptors are skipped. */
    public static void closeQuietly(int fd) {
        if (fd >= 0) {
            try {
                close(fd);
            } catch (ErrnoException e) {
                // The descriptor is released whatever close reports.
            }
        }
    }

    /**
     * Reads up to {@code n} bytes into {@code buffer}.
     *
     * @return the bytes read, 0 at end of file, or {@code -EAGAIN} when a non-blocking
     *     descriptor has nothing now
     */
    public static long read(int fd, MemorySegment buffer, long n) throws ErrnoException {
        MemorySegment state = SCRATCH.get();
        long r;
        try {
            r = (long) READ.invokeExact(state, fd, buffer, n);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        return countOrEagain("read", r, state);
    }

    /** Writes up to {@code n} bytes of {@code buffer}; returns how many were written. */
    public static long write(int fd, MemorySegment buffer, long n) throws ErrnoException {
        MemorySegment state = SCRATCH.get();
        long r;
        try {
            r = (long) WRITE.invokeExact(state, fd, buffer, n);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        if (r < 0) {
            throw new ErrnoException("write", errno(state));
        }
        return r;
    }

    /** A pipe: {@code [read end, write end]}, both with {@code flags} ({@link #O_CLOEXEC}, ...). */
    public static int[] pipe(int flags) throws ErrnoException {
        MemorySegment state = SCRATCH.get();
        MemorySegment fds = state.asSlice(SCRATCH_OFFSET, 8);
        int r;
        try {
            r = (int) PIPE2.invokeExact(state, fds, flags);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        check("pipe2", r, state);
        return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
    }

    /** Makes {@code fd} non-blocking (its own open file description: one pipe end only). */
    public static void setNonBlocking(int fd) throws ErrnoException {
        MemorySegment state = SCRATCH.get();
        try {
            int flags = (int) FCNTL.invokeExact(state, fd, F_GETFL, 0L);
            if (flags < 0 || (int) FCNTL.invokeExact(state, fd, F_SETFL, (long) (flags | O_NONBLOCK)) < 0) {
                throw new ErrnoException("fcntl", errno(state));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /**
     * Sends {@code signal} to {@code pid} (a process group when negative); 0 only checks that
     * the target exists.
     *
     * @return 0, or the error number ({@link #ESRCH}: no such process or group)
     */
    public static int kill(int pid, int signal) {
        MemorySegment state = SCRATCH.get();
        int r;
        try {
            r = (int) KILL.invokeExact(state, pid, signal);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        return r == 0 ? 0 : errno(state);
    }

    /**
     * Reaps {@code pid} if it has exited, without waiting.
     *
     * @return its exit status (128 + N when signal N killed it), or empty while it runs
     */
    public static Optional<Integer> reap(int pid) throws ErrnoException {
        MemorySegment state = SCRATCH.get();
        MemorySegment status = state.asSlice(SCRATCH_OFFSET, 4);
        int r;
        try {
            do {
                r = (int) WAITPID.invokeExact(state, pid, status, WNOHANG);
            } while (r < 0 && errno(state) == EINTR);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        if (r < 0) {
            throw new ErrnoException("waitpid", errno(state));
        }
        if (r == 0) {
            return Optional.empty();
        }
        int s = status.get(JAVA_INT, 0);
        int signal = s & 0x7f;
        return Optional.of(signal == 0 ? (s >> 8) & 0xff : 128 + signal);
    }

    /** A close-on-exec pidfd for {@code pid}: readable once the process has exited (Linux 5.3). */
    public static int pidfdOpen(int pid) throws ErrnoException {
        MemorySegment state = SCRATCH.get();
        long fd;
        try {
            fd = (long) SYSCALL.invokeExact(state, SYS_PIDFD_OPEN, (long) pid, 0L);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        if (fd < 0) {
            throw new ErrnoException("pidfd_open", errno(state));
        }
        return (int) fd;
    }

    /** A close-on-exec epoll instance. */
    public static int epollCreate() throws ErrnoException {
        MemorySegment state = SCRATCH.get();
        int r;
        try {
            r = (int) EPOLL_CREATE1.invokeExact(state, O_CLOEXEC);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        return check("epoll_create1", r, state);
    }

    /** Watches {@code fd} for {@code events}; each report carries {@code data}. */
    public static void epollAdd(int epfd, int fd, int events, long data) throws ErrnoException {
        MemorySegment state = SCRATCH.get();
        MemorySegment event = state.asSlice(SCRATCH_OFFSET, EPOLL_EVENT.byteSize());
        EPOLL_EVENTS.set(event, 0L, 0L, events);
        EPOLL_DATA.set(event, 0L, 0L, data);
        int r;
        try {
            r = (int) EPOLL_CTL.invokeExact(state, epfd, EPOLL_CTL_ADD, fd, event);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        check("epoll_ctl", r, state);
    }

    /** Stops watching {@code fd}. */
    public static void epollDelete(int epfd, int fd) throws ErrnoException {
        MemorySegment state = SCRATCH.get();
        int r;
        try {
            r = (int) EPOLL_CTL.invokeExact(state, epfd, EPOLL_CTL_DEL, fd, MemorySegment.NULL);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        check("epoll_ctl", r, state);
    }

    /**
     * Waits for events into {@code events} (an array of {@link #EPOLL_EVENT}).
     *
     * @return how many were reported; 0 when interrupted by a signal
     */
    public static int epollWait(int epfd, MemorySegment events, int timeoutMillis) throws ErrnoException {
        MemorySegment state = SCRATCH.get();
        int max = (int) (events.byteSize() / EPOLL_EVENT.byteSize());
        int n;
        try {
            n = (int) EPOLL_WAIT.invokeExact(state, epfd, events, max, timeoutMillis);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        if (n < 0 && errno(state) == EINTR) {
            return 0;
        }
        return check("epoll_wait", n, state);
    }

    /** The user data of entry {@code i} of an epoll result. */
    public static long epollData(MemorySegment events, long i) {
        return (long) EPOLL_DATA.get(events, 0L, i);
    }

    public static int inotifyInit(int flags) throws ErrnoException {
        MemorySegment state = SCRATCH.get();
        int r;
        try {
            r = (int) INOTIFY_INIT1.invokeExact(state, flags);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        return check("inotify_init1", r, state);
    }

    /** Adds a watch of {@code path} for {@code mask}; returns the watch descriptor. */
    public static int inotifyAddWatch(int fd, String path, int mask) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = SCRATCH.get();
            int r;
            try {
                r = (int) INOTIFY_ADD_WATCH.invokeExact(state, fd, arena.allocateFrom(path), mask);
            } catch (Throwable e) {
                throw rethrow(e);
            }
            return check("inotify_add_watch", r, state);
        }
    }

    /**
     * {@code poll(2)} over {@code fds} (an array of {@code struct pollfd}).
     *
     * @return how many have events; 0 on timeout or when interrupted by a signal
     */
    public static int poll(MemorySegment fds, long count, int timeoutMillis) throws ErrnoException {
        MemorySegment state = SCRATCH.get();
        int n;
        try {
            n = (int) POLL.invokeExact(state, fds, count, timeoutMillis);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        if (n < 0 && errno(state) == EINTR) {
            return 0;
        }
        return check("poll", n, state);
    }

    /**
     * Starts {@code path} with {@code argv} and {@code envp} (NULL-terminated arrays of C
     * strings) as {@code posix_spawn(3)} does, with the file actions and attributes given.
     *
     * @return the child's pid
     * @throws ErrnoException when it could not start; glibc reports a failed {@code exec} (no such
     *     file, not executable) or file action ({@code chdir}) here too
     */
    public static int spawn(MemorySegment path, SpawnFileActions actions, SpawnAttributes attributes,
            MemorySegment argv, MemorySegment envp) throws ErrnoException {
        MemorySegment pid = SCRATCH.get().asSlice(SCRATCH_OFFSET, 4);
        int error;
        try {
            error = (int) POSIX_SPAWN.invokeExact(pid, path, actions.segment, attributes.segment, argv, envp);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        if (error != 0) {
            throw new ErrnoException("posix_spawn", error);
        }
        return pid.get(JAVA_INT, 0);
    }

    /**
     * What {@code statx(2)} says of a file: its type and permission bits, owner, group, and
     * identity.
     */
    public record Stat(int mode, int uid, int gid, long inode, long device) {

        public boolean isDirectory() {
            return (mode & S_IFMT) == S_IFDIR;
        }

        public boolean isRegularFile() {
            return (mode & S_IFMT) == S_IFREG;
        }

        public boolean isSymbolicLink() {
            return (mode & S_IFMT) == S_IFLNK;
        }

        /** Whether both name the same file. */
        public boolean sameFile(Stat other) {
            return inode == other.inode && device == other.device;
        }
    }

    /** {@code socket(2)}: a new socket of {@code domain} and {@code type} (with its flags); returns the descriptor. */
    public static int socket(int domain, int type) throws ErrnoException {
        MemorySegment state = SCRATCH.get();
        int r;
        try {
            r = (int) SOCKET.invokeExact(state, domain, type, 0);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        return check("socket", r, state);
    }

    /**
     * A {@code struct sockaddr_un} in {@code arena} for {@code name}: a file system path, or, when
     * it starts with {@code @}, a name in the abstract namespace (the {@code @} stands for the
     * leading NUL byte, as systemd writes it). The segment is exactly the address's length.
     *
     * @throws IllegalArgumentException when the name is empty or does not fit in {@code sun_path}
     */
    public static MemorySegment unixAddress(Arena arena, String name) {
        boolean abstractName = name.startsWith("@");
        byte[] bytes = (abstractName ? name.substring(1) : name).getBytes(StandardCharsets.UTF_8);
        // A path ends with its NUL inside sun_path; an abstract name starts with one.
        int length = bytes.length + 1;
        if (bytes.length == 0 || length > SUN_PATH_BYTES) {
            throw new IllegalArgumentException("not a Unix socket address (1 to " + (SUN_PATH_BYTES - 1)
                    + " bytes): " + name);
        }
        MemorySegment address = arena.allocate(2 + length, 2);
        address.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(bytes, 0, address, ValueLayout.JAVA_BYTE, abstractName ? 3 : 2, bytes.length);
        return address;
    }

    /** {@code bind(2)} to an address made by {@link #unixAddress}. */
    public static void bind(int fd, MemorySegment address) throws ErrnoException {
        MemorySegment state = SCRATCH.get();
        int r;
        try {
            r = (int) BIND.invokeExact(state, fd, address, (int) address.byteSize());
        } catch (Throwable e) {
            throw rethrow(e);
        }
        check("bind", r, state);
    }

    /**
     * {@code sendto(2)}: one datagram of the first {@code n} bytes of {@code buffer} to
     * {@code address} (made by {@link #unixAddress}); returns the bytes sent.
     */
    public static long sendto(int fd, MemorySegment buffer, long n, int flags, MemorySegment address)
            throws ErrnoException {
        MemorySegment state = SCRATCH.get();
        long r;
        try {
            r = (long) SENDTO.invokeExact(state, fd, buffer, n, flags, address, (int) address.byteSize());
        } catch (Throwable e) {
            throw rethrow(e);
        }
        if (r < 0) {
            throw new ErrnoException("sendto", errno(state));
        }
        return r;
    }

    /**
     * {@code recv(2)}: one datagram (or up to {@code n} bytes) into {@code buffer}.
     *
     * @return the bytes received, or {@code -EAGAIN} when a non-blocking socket has nothing now
     */
    public static long recv(int fd, MemorySegment buffer, long n, int flags) throws ErrnoException {
        MemorySegment state = SCRATCH.get();
        long r;
        try {
            r = (long) RECV.invokeExact(state, fd, buffer, n, flags);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        return countOrEagain("recv", r, state);
    }

    /** {@code openat(2)}: {@code path} relative to the directory {@code dirfd}; returns the descriptor. */
    public static int openat(int dirfd, String path, int flags, int mode) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = SCRATCH.get();
            int r;
            try {
                r = (int) OPENAT.invokeExact(state, dirfd, arena.allocateFrom(path), flags, mode);
            } catch (Throwable e) {
                throw rethrow(e);
            }
            return check("openat", r, state);
        }
    }

    public static void fchmod(int fd, int mode) throws ErrnoException {
        MemorySegment state = SCRATCH.get();
        int r;
        try {
            r = (int) FCHMOD.invokeExact(state, fd, mode);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        check("fchmod", r, state);
    }

    /** {@code fchown(2)}; -1 keeps the owner or the group. */
    public static void fchown(int fd, int uid, int gid) throws ErrnoException {
        MemorySegment state = SCRATCH.get();
        int r;
        try {
            r = (int) FCHOWN.invokeExact(state, fd, uid, gid);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        check("fchown", r, state);
    }

    public static void fsync(int fd) throws ErrnoException {
        MemorySegment state = SCRATCH.get();
        int r;
        try {
            r = (int) FSYNC.invokeExact(state, fd);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        check("fsync", r, state);
    }

    /**
     * {@code syncfs(2)}: flushes every file and directory of the file system {@code fd} is on, in
     * one call (errors of writes since the descriptor was opened are reported, Linux 5.8).
     */
    public static void syncfs(int fd) throws ErrnoException {
        MemorySegment state = SCRATCH.get();
        int r;
        try {
            r = (int) SYNCFS.invokeExact(state, fd);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        check("syncfs", r, state);
    }

    /**
     * {@code openat2(2)} (Linux 5.6): like {@link #openat}, with {@code resolve} flags that bound
     * how the path is walked, e.g. {@link #RESOLVE_NO_SYMLINKS}; returns the descriptor.
     */
    public static int openat2(int dirfd, String path, int flags, int mode, long resolve) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment how = arena.allocate(OPEN_HOW_BYTES, 8);
            how.set(JAVA_LONG, 0, flags & 0xffffffffL);
            how.set(JAVA_LONG, 8, mode);
            how.set(JAVA_LONG, 16, resolve);
            MemorySegment state = SCRATCH.get();
            long r;
            try {
                r = (long) SYSCALL4.invokeExact(state, SYS_OPENAT2, (long) dirfd, arena.allocateFrom(path).address(),
                        how.address(), OPEN_HOW_BYTES);
            } catch (Throwable e) {
                throw rethrow(e);
            }
            if (r < 0) {
                throw new ErrnoException("openat2", errno(state));
            }
            return (int) r;
        }
    }

    /** {@code renameat(2)} from {@code from} in {@code fromDir} to {@code to} in {@code toDir}, replacing it. */
    public static void renameat(int fromDir, String from, int toDir, String to) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = SCRATCH.get();
            int r;
            try {
                r = (int) RENAMEAT.invokeExact(state, fromDir, arena.allocateFrom(from), toDir, arena.allocateFrom(to));
            } catch (Throwable e) {
                throw rethrow(e);
            }
            check("renameat", r, state);
        }
    }

    /** {@code unlinkat(2)} of a file (not a directory) in {@code dirfd}. */
    public static void unlinkat(int dirfd, String name) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = SCRATCH.get();
            int r;
            try {
                r = (int) UNLINKAT.invokeExact(state, dirfd, arena.allocateFrom(name), 0);
            } catch (Throwable e) {
                throw rethrow(e);
            }
            check("unlinkat", r, state);
        }
    }

    /** {@code symlinkat(2)}: makes {@code name} in {@code dirfd} a symbolic link to {@code target}. */
    public static void symlinkat(String target, int dirfd, String name) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = SCRATCH.get();
            int r;
            try {
                r = (int) SYMLINKAT.invokeExact(state, arena.allocateFrom(target), dirfd, arena.allocateFrom(name));
            } catch (Throwable e) {
                throw rethrow(e);
            }
            check("symlinkat", r, state);
        }
    }

    /** {@code mkdirat(2)}: a new directory {@code name} in {@code dirfd}, with {@code mode} less the umask. */
    public static void mkdirat(int dirfd, String name, int mode) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = SCRATCH.get();
            int r;
            try {
                r = (int) MKDIRAT.invokeExact(state, dirfd, arena.allocateFrom(name), mode);
            } catch (Throwable e) {
                throw rethrow(e);
            }
            check("mkdirat", r, state);
        }
    }

    /** {@code fchownat(2)} of {@code name} in {@code dirfd} itself (a link is not followed); -1 keeps an id. */
    public static void lchownat(int dirfd, String name, int uid, int gid) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = SCRATCH.get();
            int r;
            try {
                r = (int) FCHOWNAT.invokeExact(state, dirfd, arena.allocateFrom(name), uid, gid, AT_SYMLINK_NOFOLLOW);
            } catch (Throwable e) {
                throw rethrow(e);
            }
            check("fchownat", r, state);
        }
    }

    /** The target of the symbolic link {@code name} in {@code dirfd}. */
    public static String readlinkat(int dirfd, String name) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = SCRATCH.get();
            MemorySegment buffer = arena.allocate(PATH_MAX);
            long n;
            try {
                n = (long) READLINKAT.invokeExact(state, dirfd, arena.allocateFrom(name), buffer, (long) PATH_MAX);
            } catch (Throwable e) {
                throw rethrow(e);
            }
            if (n < 0) {
                throw new ErrnoException("readlinkat", errno(state));
            }
            return new String(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }

    /**
     * {@code statx(2)} of {@code path} in {@code dirfd} with {@code flags}
     * ({@link #AT_SYMLINK_NOFOLLOW}; {@link #AT_EMPTY_PATH} with an empty path: {@code dirfd} itself).
     */
    public static Stat statx(int dirfd, String path, int flags) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = SCRATCH.get();
            MemorySegment buffer = arena.allocate(STATX_BYTES, 8);
            int r;
            try {
                r = (int) STATX.invokeExact(state, dirfd, arena.allocateFrom(path), flags, STATX_BASIC, buffer);
            } catch (Throwable e) {
                throw rethrow(e);
            }
            check("statx", r, state);
            long device = ((long) buffer.get(JAVA_INT, 136) << 32) | (buffer.get(JAVA_INT, 140) & 0xffffffffL);
            return new Stat(Short.toUnsignedInt(buffer.get(JAVA_SHORT, 28)), buffer.get(JAVA_INT, 20),
                    buffer.get(JAVA_INT, 24), buffer.get(JAVA_LONG, 32), device);
        }
    }

    /**
     * The uid of the user {@code name} (NSS sources count), or empty when there is none; a name
     * made of digits that no user has is that uid.
     */
    public static Optional<Integer> uidOf(String name) throws ErrnoException {
        return idOf(GETPWNAM_R, "getpwnam_r", name);
    }

    /** Like {@link #uidOf}, for a group. */
    public static Optional<Integer> gidOf(String name) throws ErrnoException {
        return idOf(GETGRNAM_R, "getgrnam_r", name);
    }

    /** Both {@code struct passwd} and {@code struct group} hold the id at offset 16 on 64-bit Linux. */
    private static Optional<Integer> idOf(MethodHandle lookup, String function, String name) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entry = arena.allocate(64, 8);
            long size = 16 * 1024;
            MemorySegment buffer = arena.allocate(size);
            MemorySegment result = arena.allocate(ADDRESS);
            int error;
            try {
                error = (int) lookup.invokeExact(arena.allocateFrom(name), entry, buffer, size, result);
            } catch (Throwable e) {
                throw rethrow(e);
            }
            if (error != 0 && error != ENOENT && error != ESRCH) {
                throw new ErrnoException(function, error);
            }
            if (error == 0 && !result.get(ADDRESS, 0).equals(MemorySegment.NULL)) {
                return Optional.of(entry.get(JAVA_INT, 16));
            }
            if (!name.isEmpty() && name.length() <= 10 && name.chars().allMatch(Character::isDigit)) {
                long id = Long.parseLong(name);
                return id <= 0xfffffffeL ? Optional.of((int) id) : Optional.empty();
            }
            return Optional.empty();
        }
    }

    /** Writes all of {@code bytes} to {@code fd}. */
    public static void writeAll(int fd, byte[] bytes, int offset, int length) throws ErrnoException {
        if (length == 0) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(length);
            MemorySegment.copy(bytes, offset, buffer, ValueLayout.JAVA_BYTE, 0, length);
            long done = 0;
            while (done < length) {
                done += write(fd, buffer.asSlice(done), length - done);
            }
        }
    }

    /** {@code struct linux_dirent64}: {@code d_reclen} (u16), {@code d_type} (u8), then the name, NUL-ended. */
    private static final long DIRENT_RECLEN = 16;
    private static final long DIRENT_TYPE = 18;
    private static final long DIRENT_NAME = 19;

    /**
     * One entry of a directory as {@code getdents64} lists it: its name as the bytes the file
     * system holds (not necessarily UTF-8; never empty, no {@code '/'}, no NUL) and its type
     * ({@link #DT_DIR}, {@link #DT_UNKNOWN} when the file system does not say, ...). The type is
     * what the entry was when listed; it may have changed since. The array is the entry's own,
     * not copied: a caller does not change it.
     */
    public record DirectoryEntry(byte[] name, int type) {
    }

    /**
     * {@code getdents64(2)}: reads the next entries of the directory open on {@code fd} (opened
     * for reading: an {@code O_PATH} descriptor fails with {@code EBADF}) into {@code buffer},
     * and adds each but {@code .} and {@code ..} to {@code entries}. The descriptor's position
     * moves on; entries removed meanwhile do not make it skip others.
     *
     * @param buffer native memory of at least 512 bytes, 8-aligned, owned by the calling thread
     * @return false at the end of the directory (nothing added)
     */
    public static boolean getdents64(int fd, MemorySegment buffer, Collection<DirectoryEntry> entries)
            throws ErrnoException {
        MemorySegment state = SCRATCH.get();
        long n;
        try {
            n = (long) GETDENTS64.invokeExact(state, fd, buffer, buffer.byteSize());
        } catch (Throwable e) {
            throw rethrow(e);
        }
        if (n < 0) {
            throw new ErrnoException("getdents64", errno(state));
        }
        long at = 0;
        while (at < n) {
            int length = Short.toUnsignedInt(buffer.get(JAVA_SHORT, at + DIRENT_RECLEN));
            int type = Byte.toUnsignedInt(buffer.get(ValueLayout.JAVA_BYTE, at + DIRENT_TYPE));
            long name = at + DIRENT_NAME;
            long end = name;
            while (buffer.get(ValueLayout.JAVA_BYTE, end) != 0) {
                end++;
            }
            byte[] bytes = buffer.asSlice(name, end - name).toArray(ValueLayout.JAVA_BYTE);
            if (!isDotOrDotDot(bytes)) {
                entries.add(new DirectoryEntry(bytes, type));
            }
            at += length;
        }
        return n > 0;
    }

    private static boolean isDotOrDotDot(byte[] name) {
        return name.length == 1 && name[0] == '.' || name.length == 2 && name[0] == '.' && name[1] == '.';
    }

    /**
     * {@code openat(2)} of {@code name} in {@code dirfd}, the name as bytes (a listed entry's,
     * which need not be UTF-8); returns the descriptor.
     */
    public static int openat(int dirfd, byte[] name, int flags, int mode) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = SCRATCH.get();
            int r;
            try {
                r = (int) OPENAT.invokeExact(state, dirfd, cString(arena, name), flags, mode);
            } catch (Throwable e) {
                throw rethrow(e);
            }
            return check("openat", r, state);
        }
    }

    /**
     * {@code unlinkat(2)} of {@code name} (bytes, as listed) in {@code dirfd}: with 0 a file,
     * link (itself, never its target), FIFO, socket or device ({@code EISDIR} for a directory);
     * with {@link #AT_REMOVEDIR} an empty directory ({@code ENOTDIR} for anything else,
     * {@code ENOTEMPTY} when it has entries).
     */
    public static void unlinkat(int dirfd, byte[] name, int flags) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = SCRATCH.get();
            int r;
            try {
                r = (int) UNLINKAT.invokeExact(state, dirfd, cString(arena, name), flags);
            } catch (Throwable e) {
                throw rethrow(e);
            }
            check("unlinkat", r, state);
        }
    }

    /** {@code bytes} NUL-terminated in {@code arena}. */
    private static MemorySegment cString(Arena arena, byte[] bytes) {
        MemorySegment s = arena.allocate(bytes.length + 1L);
        MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return s;
    }

    /** A {@code posix_spawn_file_actions_t} in {@code arena}; {@link #close} destroys it. Confined to one thread. */
    public static final class SpawnFileActions implements AutoCloseable {

        private final MemorySegment segment;

        public SpawnFileActions(Arena arena) throws ErrnoException {
            segment = arena.allocate(FILE_ACTIONS_BYTES, 16);
            checkError("posix_spawn_file_actions_init", exact(ACTIONS_INIT, segment));
        }

        /** The child opens {@code path} on descriptor {@code fd}. */
        public SpawnFileActions open(int fd, MemorySegment path, int flags) throws ErrnoException {
            int error;
            try {
                error = (int) ACTIONS_ADDOPEN.invokeExact(segment, fd, path, flags, 0);
            } catch (Throwable e) {
                throw rethrow(e);
            }
            checkError("posix_spawn_file_actions_addopen", error);
            return this;
        }

        /** The child duplicates {@code fd} onto {@code target} (which is not close-on-exec). */
        public SpawnFileActions dup2(int fd, int target) throws ErrnoException {
            int error;
            try {
                error = (int) ACTIONS_ADDDUP2.invokeExact(segment, fd, target);
            } catch (Throwable e) {
                throw rethrow(e);
            }
            checkError("posix_spawn_file_actions_adddup2", error);
            return this;
        }

        /** The child closes every descriptor from {@code fd} up. */
        public SpawnFileActions closeFrom(int fd) throws ErrnoException {
            int error;
            try {
                error = (int) ACTIONS_ADDCLOSEFROM.invokeExact(segment, fd);
            } catch (Throwable e) {
                throw rethrow(e);
            }
            checkError("posix_spawn_file_actions_addclosefrom_np", error);
            return this;
        }

        /** The child changes to directory {@code path}. */
        public SpawnFileActions chdir(MemorySegment path) throws ErrnoException {
            checkError("posix_spawn_file_actions_addchdir_np", exact(ACTIONS_ADDCHDIR, segment, path));
            return this;
        }

        @Override
        public void close() {
            exact(ACTIONS_DESTROY, segment);
        }
    }

    /** A {@code posix_spawnattr_t} in {@code arena}; {@link #close} destroys it. Confined to one thread. */
    public static final class SpawnAttributes implements AutoCloseable {

        private final Arena arena;
        private final MemorySegment segment;

        public SpawnAttributes(Arena arena) throws ErrnoException {
            this.arena = arena;
            segment = arena.allocate(SPAWNATTR_BYTES, 16);
            checkError("posix_spawnattr_init", exact(SPAWNATTR_INIT, segment));
        }

        public SpawnAttributes flags(short flags) throws ErrnoException {
            int error;
            try {
                error = (int) SPAWNATTR_SETFLAGS.invokeExact(segment, flags);
            } catch (Throwable e) {
                throw rethrow(e);
            }
            checkError("posix_spawnattr_setflags", error);
            return this;
        }

        /** The child starts with no signal blocked (with {@link #POSIX_SPAWN_SETSIGMASK}). */
        public SpawnAttributes emptySignalMask() throws ErrnoException {
            MemorySegment set = arena.allocate(SIGSET_BYTES, 8);
            exact(SIGEMPTYSET, set);
            checkError("posix_spawnattr_setsigmask", exact(SPAWNATTR_SETSIGMASK, segment, set));
            return this;
        }

        /** The child resets every signal to its default action (with {@link #POSIX_SPAWN_SETSIGDEF}). */
        public SpawnAttributes allSignalsDefault() throws ErrnoException {
            MemorySegment set = arena.allocate(SIGSET_BYTES, 8);
            exact(SIGFILLSET, set);
            checkError("posix_spawnattr_setsigdefault", exact(SPAWNATTR_SETSIGDEFAULT, segment, set));
            return this;
        }

        @Override
        public void close() {
            exact(SPAWNATTR_DESTROY, segment);
        }
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** A byte count as it is, {@code -EAGAIN} for a non-blocking descriptor with nothing now, else the error. */
    private static long countOrEagain(String function, long result, MemorySegment state) throws ErrnoException {
        if (result >= 0) {
            return result;
        }
        int errno = errno(state);
        if (errno == EAGAIN) {
            return -EAGAIN;
        }
        throw new ErrnoException(function, errno);
    }

    private static int check(String function, int result, MemorySegment state) throws ErrnoException {
        if (result < 0) {
            throw new ErrnoException(function, errno(state));
        }
        return result;
    }

    /** For the {@code posix_spawn} family, which return the error number instead of setting errno. */
    private static void checkError(String function, int error) throws ErrnoException {
        if (error != 0) {
            throw new ErrnoException(function, error);
        }
    }

    /** Calls a {@code (pointer) -> int} function. */
    private static int exact(MethodHandle handle, MemorySegment a) {
        try {
            return (int) handle.invokeExact(a);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /** Calls a {@code (pointer, pointer) -> int} function. */
    private static int exact(MethodHandle handle, MemorySegment a, MemorySegment b) {
        try {
            return (int) handle.invokeExact(a, b);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /** The JVM's own errors pass; a downcall throws nothing checked. */
    private static RuntimeException rethrow(Throwable e) {
        if (e instanceof RuntimeException r) {
            throw r;
        }
        if (e instanceof Error err) {
            throw err;
        }
        return new IllegalStateException(e);
    }

    private static MethodHandle plain(String function, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(function), descriptor);
    }

    private static MethodHandle withErrno(String function, FunctionDescriptor descriptor, Linker.Option... more) {
        var options = new Linker.Option[more.length + 1];
        options[0] = ERRNO_OPTION;
        System.arraycopy(more, 0, options, 1, more.length);
        return LINKER.downcallHandle(symbol(function), descriptor, options);
    }

    private static MemorySegment symbol(String function) {
        return LOOKUP.find(function).orElseThrow(() -> new IllegalStateException(
                "the C library has no " + function + "; " + Platform.REQUIREMENT));
    }

    private static boolean isX86() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return arch.equals("amd64") || arch.equals("x86_64");
    }
}
