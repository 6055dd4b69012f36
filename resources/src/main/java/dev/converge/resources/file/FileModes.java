package dev.converge.resources.file;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

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
}
