package dev.converge.resources;

import java.util.Set;

/**
 * What a resource says about the local accounts (users and groups) it creates, uses or removes,
 * so the planner can order it (autoedges) and the loader can catch contradictions. Unlike
 * {@link PathHints}, account hints come from the declaration alone and never ask the host.
 *
 * <p>Rules:
 * <ul>
 *   <li>A resource that {@code needs} an account comes after every other resource that
 *       {@code provides} it: a group before the user in it, a user before the exec that runs as
 *       that user or the file it owns.</li>
 *   <li>A resource that {@code removes} an account comes after every other resource that
 *       {@code releases} it: a user being removed, which names the group it is in, before the
 *       removal of that group (groupdel refuses to remove a user's primary group).</li>
 *   <li>A resource may not need an account that another resource of the same graph removes; the
 *       loader reports it at the needing resource.</li>
 * </ul>
 *
 * <p>Immutable; the sets are copies.
 *
 * @param provides accounts this resource makes exist
 * @param needs    accounts that must exist before this resource runs
 * @param releases accounts this resource stops using as it is removed
 * @param removes  accounts this resource deletes
 */
public record AccountHints(Set<Account> provides, Set<Account> needs, Set<Account> releases, Set<Account> removes) {

    public static final AccountHints NONE = new AccountHints(Set.of(), Set.of(), Set.of(), Set.of());

    public AccountHints {
        provides = Set.copyOf(provides);
        needs = Set.copyOf(needs);
        releases = Set.copyOf(releases);
        removes = Set.copyOf(removes);
    }

    /** Hints of a resource that only needs {@code needs}. */
    public static AccountHints needing(Set<Account> needs) {
        return needs.isEmpty() ? NONE : new AccountHints(Set.of(), needs, Set.of(), Set.of());
    }

    public boolean isEmpty() {
        return provides.isEmpty() && needs.isEmpty() && releases.isEmpty() && removes.isEmpty();
    }
}
