package dev.converge.resources.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What tests ask the host about processes, read from {@code /proc}. */
public final class Processes {

    private Processes() {}

    /** Alive means present in /proc and not a zombie. */
    public static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    /** Shell text that writes {@code value} to {@code file} atomically (a pid, say, for {@link #readPid}). */
    public static String publish(String value, Path file) {
        return "echo " + value + " > " + file + ".tmp && mv " + file + ".tmp " + file;
    }

    /** The number a command wrote with {@link #publish}. */
    public static long readPid(Path file) throws IOException {
        return Long.parseLong(Files.readString(file).strip());
    }
}
