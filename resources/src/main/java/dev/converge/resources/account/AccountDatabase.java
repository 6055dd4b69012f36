package dev.converge.resources.account;

import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The local account files, {@code passwd} and {@code group}, as read at one moment: the accounts
 * shadow-utils manages. Not {@code getent}: that also answers from LDAP, sssd and the like, whose
 * accounts useradd and usermod cannot change, so a user found there would look managed while
 * every change to it failed.
 *
 * <p>Lines that are empty, comments, NIS compat entries ({@code +}/{@code -}) or malformed are
 * skipped. The first entry of a name counts, as for the C library.
 *
 * <p>Immutable.
 */
final class AccountDatabase {

    /** Where the host's account files are. */
    static final Path ETC = Path.of("/etc");

    /** One line of {@code passwd}. */
    record User(String name, long uid, long gid, String home, String shell) {
    }

    /** One line of {@code group}; {@code members} are its supplementary members. */
    record Group(String name, long gid, List<String> members) {

        Group {
            members = List.copyOf(members);
        }
    }

    private final Map<String, User> users;
    private final Map<String, Group> groups;

    private AccountDatabase(Map<String, User> users, Map<String, Group> groups) {
        this.users = users;
        this.groups = groups;
    }

    /**
     * {@link #read(Path)} for the resource {@code id}: a file that cannot be read fails it.
     *
     * @throws ResourceException naming {@code id} when a file exists but cannot be read
     */
    static AccountDatabase readFor(ResourceId id, Path etc) throws ResourceException {
        try {
            return read(etc);
        } catch (IOException e) {
            throw new ResourceException(id, "cannot read the account files in " + etc + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads {@code etc/passwd} and {@code etc/group}; a missing file counts as empty.
     *
     * @throws IOException when a file exists but cannot be read
     */
    static AccountDatabase read(Path etc) throws IOException {
        var users = new LinkedHashMap<String, User>();
        for (String[] f : entries(etc.resolve("passwd"), 7)) {
            Optional<Long> uid = id(f[2]);
            Optional<Long> gid = id(f[3]);
            if (uid.isPresent() && gid.isPresent()) {
                users.putIfAbsent(f[0], new User(f[0], uid.get(), gid.get(), f[5], f[6]));
            }
        }
        var groups = new LinkedHashMap<String, Group>();
        for (String[] f : entries(etc.resolve("group"), 4)) {
            Optional<Long> gid = id(f[2]);
            if (gid.isPresent()) {
                List<String> members = f[3].isEmpty() ? List.of() : List.of(f[3].split(","));
                groups.putIfAbsent(f[0], new Group(f[0], gid.get(), members));
            }
        }
        return new AccountDatabase(users, groups);
    }

    private static List<String[]> entries(Path file, int fields) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        var out = new ArrayList<String[]>();
        for (String line : lines) {
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("+") || line.startsWith("-")) {
                continue;
            }
            String[] f = line.split(":", -1);
            if (f.length == fields && !f[0].isEmpty()) {
                out.add(f);
            }
        }
        return out;
    }

    private static Optional<Long> id(String text) {
        if (text.isEmpty() || text.length() > 10 || !text.chars().allMatch(Character::isDigit)) {
            return Optional.empty();
        }
        return Optional.of(Long.parseLong(text));
    }

    Optional<User> user(String name) {
        return Optional.ofNullable(users.get(name));
    }

    Optional<Group> group(String name) {
        return Optional.ofNullable(groups.get(name));
    }

    /** The first group with {@code gid}, as the C library would name it. */
    Optional<Group> groupById(long gid) {
        return groups.values().stream().filter(g -> g.gid() == gid).findFirst();
    }

    /** The names of the groups that list {@code user} as a member, sorted. */
    Set<String> supplementaryGroups(String user) {
        var names = new TreeSet<String>();
        groups.values().forEach(g -> {
            if (g.members().contains(user)) {
                names.add(g.name());
            }
        });
        return names;
    }

    /** The name of the group with {@code gid} and the number, e.g. {@code users (100)}; just the number when no group has it. */
    String describeGroup(long gid) {
        return groupById(gid).map(g -> g.name() + " (" + gid + ")").orElse(String.valueOf(gid));
    }
}
