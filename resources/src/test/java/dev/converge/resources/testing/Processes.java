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
}
