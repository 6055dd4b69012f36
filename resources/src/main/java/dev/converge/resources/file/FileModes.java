package dev.converge.resources.file;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/** Unix file modes as numbers: the nine permission bits plus setuid, setgid and sticky. */
final class FileModes {

    private static final int ALL = 07777;

    private FileModes() {
    }

    /** Parses an octal mode such as {@code 644} or {@code 0644}. */
    static int parse(String octal) {
        return Integer.parseInt(octal, 8) & ALL;
    }

    /** A mode written as four octal digits, e.g. {@code 0644}. */
    static String format(int mode) {
        return String.format("%04o", mode & ALL);
    }

    /** The mode of {@code path} itself, not of a symbolic link's target. */
    static int get(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & ALL;
    }

    /**
     * Creates the directory {@code path} open to its owner alone (whatever the umask allows of
     * that), never to group or others before its final mode is set: a directory
     * declared 0700 is never briefly 0777 under umask 000.
     */
    static void createDirectory(Path path, int mode) throws IOException {
        Files.createDirectory(path, PosixFilePermissions.asFileAttribute(permissions(mode & 0700)));
    }

    /** The permission bits of {@code mode} (special bits are dropped). */
    static Set<PosixFilePermission> permissions(int mode) {
        var set = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : PosixFilePermission.values()) {
            if ((mode & (0400 >> p.ordinal())) != 0) {
                set.add(p);
            }
        }
        return set;
    }
}
