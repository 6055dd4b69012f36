package dev.converge.resources.account;

import java.util.List;
import java.util.Objects;

/**
 * Parameters of a {@code user} resource; the resource's name is the user's name. The field
 * names are mgmt's, plus {@code shell} and {@code system}. A null field is not set: converge
 * neither checks nor changes it, and useradd's defaults apply when the user is created.
 * docs/resources/user.md says what each does.
 *
 * <p>Invariants: {@code state} is non-null; {@code groups}, when set, is an immutable copy.
 *
 * @param state             {@code exists} or {@code absent}
 * @param uid               the user's id, 0 to 4294967294
 * @param gid               the id of the primary group; not with {@code group}
 * @param group             the name of the primary group; not with {@code gid}
 * @param groups            the supplementary groups, exactly: the user is taken out of others;
 *                          an empty list is none
 * @param homedir           the home directory, absolute (mgmt's trailing {@code /} is accepted)
 * @param shell             the login shell, absolute
 * @param system            create a system account: an id from the system range, no home
 *                          directory made; only at creation
 * @param allowduplicateuid let {@code uid} be another user's too (useradd {@code --non-unique})
 */
public record UserParams(
        String state,
        Long uid,
        Long gid,
        String group,
        List<String> groups,
        String homedir,
        String shell,
        boolean system,
        boolean allowduplicateuid) {

    public static final UserParams DEFAULTS = new UserParams("exists", null, null, null, null, null, null, false, false);

    public UserParams {
        Objects.requireNonNull(state, "state");
        groups = groups == null ? null : List.copyOf(groups);
    }
}
