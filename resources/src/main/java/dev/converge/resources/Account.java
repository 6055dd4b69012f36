package dev.converge.resources;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A named local account, a user or a group, as {@link AccountHints} speak of them: {@code user
 * alice}, {@code group web}. Only names, never numeric ids: two resources agree on an account when
 * they spell its name alike.
 *
 * @param type whether it is a user or a group
 * @param name the account's name, e.g. {@code alice}; not empty
 */
public record Account(Type type, String name) implements Comparable<Account> {

    /** What kind of account. */
    public enum Type {
        USER, GROUP;

        /** {@code user} or {@code group}, as messages and graph files say it. */
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Account {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("an account needs a name");
        }
    }

    public static Account user(String name) {
        return new Account(Type.USER, name);
    }

    public static Account group(String name) {
        return new Account(Type.GROUP, name);
    }

    /**
     * The account a field such as exec's {@code user} or file's {@code owner} names: empty when the
     * value is unset or a numeric id, which names no account resource.
     */
    public static Optional<Account> named(Type type, String value) {
        if (value == null || value.isEmpty() || value.chars().allMatch(Character::isDigit)) {
            return Optional.empty();
        }
        return Optional.of(new Account(type, value));
    }

    @Override
    public int compareTo(Account other) {
        int byType = type.compareTo(other.type);
        return byType != 0 ? byType : name.compareTo(other.name);
    }

    /** {@code user alice}. */
    @Override
    public String toString() {
        return type + " " + name;
    }
}
