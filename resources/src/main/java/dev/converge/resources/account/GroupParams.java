package dev.converge.resources.account;

import java.util.Objects;

/**
 * Parameters of a {@code group} resource; the resource's name is the group's name. The field
 * names are mgmt's, plus {@code system}. A null {@code gid} is not set: converge neither checks
 * nor changes it, and groupadd picks one when it creates the group. docs/resources/group.md says
 * what each does.
 *
 * @param state  {@code exists} or {@code absent}
 * @param gid    the group's id, 0 to 4294967294
 * @param system create a system group (an id from the system range); only at creation
 */
public record GroupParams(String state, Long gid, boolean system) {

    public static final GroupParams DEFAULTS = new GroupParams("exists", null, false);

    public GroupParams {
        Objects.requireNonNull(state, "state");
    }
}
