/**
 * The account kinds, {@code user} and {@code group}: local accounts read from {@code /etc/passwd}
 * and {@code /etc/group} and changed through shadow-utils' tools, run by the process package.
 *
 * <p>Threads: the kinds are stateless; a resource is immutable, and the engine may run its
 * {@code watch} and {@code checkApply} at once on threads of their own. Two account resources may
 * apply at the same time: the tools serialize their writes with the account files' locks.
 */
package dev.converge.resources.account;
