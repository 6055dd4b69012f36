/**
 * Running commands: the one process runner of the agent, used by the {@code exec} and
 * {@code pkg} kinds and by the graph renderer ({@code dot}).
 *
 * <p>The contract of {@link dev.converge.resources.process.GroupCommand#run}:
 * <ul>
 *   <li><b>Start.</b> The program is looked up as {@code execvp(3)} would, on the {@code PATH} of
 *       the command's own environment (the agent's, then the run-as user's variables, then the
 *       resource's). One {@code posix_spawn(3)} starts it: the child leads a new session and
 *       process group, blocks no signal, has every signal at its default action, reads stdin
 *       from {@code /dev/null}, writes stdout and stderr to two pipes (one when the output is
 *       captured), and inherits no other descriptor. Running as another user adds
 *       {@code setpriv(1)}, which switches ids and execs the command in the same process.
 *       Anything that keeps it from starting is a
 *       {@link dev.converge.resources.process.CommandStartException}.</li>
 *   <li><b>Output.</b> One platform thread ({@code command-output}) reads every running
 *       command's pipes through {@code epoll} and cuts them into lines
 *       ({@link dev.converge.resources.process.LineSplitter}: UTF-8, at most 64 KiB a line),
 *       passed to the command's {@link dev.converge.resources.process.CommandOutput} as they
 *       arrive. The thread that runs the command parks; a virtual thread never pins its
 *       carrier.</li>
 *   <li><b>End.</b> A pidfd says when the command exited; it is reaped at once. The exit status
 *       is the code, or 128 + N after signal N. What the command left in its group (found with
 *       {@code kill(-pgid, 0)}, no {@code /proc} scan) gets SIGTERM, then SIGKILL after
 *       {@link dev.converge.resources.process.GroupCommand#GRACE}, with a warning.</li>
 *   <li><b>Timeout and interrupt.</b> The group and every descendant of the command (this path
 *       alone reads {@code /proc}, for descendants that left the group) get SIGTERM, then
 *       SIGKILL after the grace; {@link dev.converge.resources.process.LiveGroups#killAll} skips
 *       the grace. When {@code run} returns or throws, nothing of the group is alive.</li>
 * </ul>
 *
 * <p>Threads: a {@code GroupCommand} is immutable; any thread may run one. Output callbacks run
 * on the output thread and must not block.
 */
package dev.converge.resources.process;
