"""The re-run's view of its task tree, kept up to date from the tasks that can still change, so the
re-execution check does work per command in proportion to what the command changed, not to the
length of the case.

Why this is enough: a command of the usual kinds (start, form, message, timers) changes the tasks
that were under way before it (waiting, ready, started, failed) and the tasks it brings forward
under them; a finished task keeps its state. So each refresh looks at the tasks under way and at
the children they grew. Tasks only planned ahead (the library predicts the rest of a path as
FUTURE, LIKELY or MAYBE tasks) take part in no comparison and are not followed. The operations that
can rewrite finished history (a send-back rewinds, a move to a newer version re-plans, a
cancellation, corrections, retries) rescan the whole tree instead (`rescan`).

The library itself looks for ready and waiting tasks by walking the tree from its root, through
every finished task; the re-run's workflow (`TrackedWorkflow`) starts that walk below the finished
part, where every task under way lies, and skips the walk for waiting tasks when none waits.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from engine import jsonutil
from engine import spiff as sw
from engine.audit import history
from engine.audit.history import SET_NAMES

FINISHED = sw.COMPLETED | sw.CANCELLED
PLANNED = sw.TaskState.MAYBE | sw.TaskState.LIKELY | sw.TaskState.FUTURE  # not yet under way
DEPTH_LIMIT = 1000  # the library's iterators stop descending there (SPIFFWORKFLOW.md, P9)
_SET_OF_STATE = {"COMPLETED": "completed", "READY": "active", "STARTED": "active", "WAITING": "waiting",
                 "ERROR": "error"}


class Mark:
    """A point in the re-run: the info each task had before its first change since then (None: new)."""

    def __init__(self) -> None:
        self.old: dict[str, sw.TaskInfo | None] = {}


class TaskTracker:
    def __init__(self, wf) -> None:
        self.wf = wf
        self._marks: list[Mark] = []
        self.infos: dict[str, sw.TaskInfo] = {}
        self.rescan()

    # ------------------------------------------------------------ keeping up
    def rescan(self) -> None:
        """Read every task again (after an operation that may rewrite finished history)."""
        marks, old_infos = self._marks, self.infos
        self._marks = []
        self.infos: dict[str, sw.TaskInfo] = {}
        self._seen: dict[Any, tuple[int, float]] = {}
        self._live: dict[Any, Any] = {}
        self._ended: dict[Any, Any] = {}  # the top workflow's completed end events (case_data reads them)
        self._counts = {name: Counter() for name in SET_NAMES}
        self._anchor, self._anchor_depth = self.wf.task_tree, 0
        for task in sw.iter_tasks(self.wf):
            if not task.state & PLANNED:
                self._record(task)
        for mark in marks:  # an open mark sees every task whose info is not what it was
            for key in set(old_infos) | set(self.infos):
                if key not in mark.old and old_infos.get(key) != self.infos.get(key):
                    mark.old[key] = old_infos.get(key)
        self._marks = marks

    def refresh(self) -> None:
        pending = list(self._live.values())
        while pending:
            task = pending.pop()
            if not self._present(task):
                self._forget(task)
                continue
            if self._seen.get(task.id) != (task.state, task.last_state_change):
                self._record(task)
            for child in self._below(task):
                if not child.state & PLANNED and self._seen.get(child.id) != (child.state, child.last_state_change):
                    self._record(child)
                    pending.append(child)

    def _present(self, task) -> bool:
        owner = task.workflow
        if owner.tasks.get(task.id) is not task:
            return False
        return owner is self.wf or self.wf.subprocesses.get(owner.parent_task_id) is owner

    def _below(self, task) -> list:
        children = [child for child in task.children if child is not None]
        sub = self.wf.subprocesses.get(task.id)
        return [sub.task_tree, *children] if sub is not None else children

    def _record(self, task) -> None:
        if task.state & PLANNED:  # planned again (the library re-plans a branch): out of view
            self._forget(task)
            return
        self._seen[task.id] = (task.state, task.last_state_change)
        if task.state & FINISHED:
            self._live.pop(task.id, None)
        else:
            self._live[task.id] = task
        if task.state == sw.COMPLETED and task.workflow is self.wf and isinstance(task.task_spec, sw.EndEvent):
            self._ended[task.id] = task
        else:
            self._ended.pop(task.id, None)
        if getattr(task.task_spec, "bpmn_id", None):
            self._set_info(str(task.id), sw.task_info(task))

    def _forget(self, task) -> None:
        self._seen.pop(task.id, None)
        self._live.pop(task.id, None)
        self._ended.pop(task.id, None)
        self._set_info(str(task.id), None)

    def _set_info(self, key: str, info: sw.TaskInfo | None) -> None:
        old = self.infos.get(key)
        for mark in self._marks:
            if key not in mark.old:
                mark.old[key] = old
        if old is not None and old.state in _SET_OF_STATE:
            self._counts[_SET_OF_STATE[old.state]][old.element_id] -= 1
        if info is None:
            self.infos.pop(key, None)
            return
        self.infos[key] = info
        if info.state in _SET_OF_STATE:
            self._counts[_SET_OF_STATE[info.state]][info.element_id] += 1

    # ------------------------------------------------------------ what the re-run asks
    def mark(self) -> Mark:
        self.refresh()
        mark = Mark()
        self._marks.append(mark)
        return mark

    def changes(self, mark: Mark) -> tuple[dict[str, sw.TaskInfo], dict[str, sw.TaskInfo]]:
        """(before, after) of the tasks that changed since `mark`, which is closed."""
        self.refresh()
        self._marks = [m for m in self._marks if m is not mark]
        before = {key: info for key, info in mark.old.items() if info is not None}
        after = {key: self.infos[key] for key in mark.old if key in self.infos}
        return before, after

    def close_marks(self) -> None:
        self._marks = []

    def live(self) -> list:
        """The tasks under way (engine helper tasks included), subprocesses' too."""
        self.refresh()
        return list(self._live.values())

    def case_data(self) -> dict[str, Any]:
        """What `sw.case_data` gives, from the followed tasks while the workflow is not complete."""
        if self.completed():
            return sw.case_data(self.wf)
        return sw.case_data(self.wf, (list(self._ended.values()), self.live()))

    def live_infos(self) -> list[sw.TaskInfo]:
        return [self.infos[key] for key in (str(t.id) for t in self.live()) if key in self.infos]

    def engine_task_ready(self) -> bool:
        return any(t.state == sw.READY and not t.task_spec.manual for t in self.live())

    def completed(self) -> bool:
        """As the workflow's own check, without walking the finished part of the tree: it cannot be
        complete while one of its own tasks is under way."""
        if self.wf.completed:
            return True
        if any(t.workflow is self.wf for t in self.live()):
            return False
        return self.wf.is_completed()

    def sets(self) -> dict[str, list[str]]:
        self.refresh()
        return {name: sorted(element for element, n in self._counts[name].items() if n > 0)
                for name in SET_NAMES}

    def disagreements(self) -> list[str]:
        """Where this view differs from a full read of the tree and from the library's own walks
        (tests call it after every command)."""
        self.refresh()
        found = []
        full = {key: info for key, info in sw.snapshot(self.wf).items()
                if info.state not in ("MAYBE", "LIKELY", "FUTURE")}
        if full != self.infos:
            found.append(f"tasks: {sorted(set(full.items()) ^ set(self.infos.items()), key=str)}")
        if self.sets() != history.element_sets(full):
            found.append(f"sets: {self.sets()} != {history.element_sets(full)}")
        live = {t.id for t in sw.iter_tasks(self.wf) if not t.state & (PLANNED | FINISHED)}
        if live != set(self._live):
            found.append(f"under way: {live ^ set(self._live)}")
        walked = sw.BpmnWorkflow.get_tasks(self.wf, state=sw.READY)
        if [t.id for t in walked] != [t.id for t in TrackedWorkflow.get_tasks(self.wf, state=sw.READY)]:
            found.append("ready tasks: not those the library's walk finds")
        if any(True for _ in sw.TaskIterator(self.wf.task_tree, state=sw.WAITING)) != self.any_waiting():
            found.append("waiting tasks: not those the library's walk finds")
        if self.completed() != self.wf.is_completed():
            found.append("completion differs")
        if jsonutil.plain(self.case_data()) != jsonutil.plain(sw.case_data(self.wf)):
            found.append("case data differs")
        return found

    # ------------------------------------------------------------ where the library's walks start
    def any_waiting(self) -> bool:
        return any(t.state == sw.WAITING and t.workflow is self.wf for t in self.live())

    def anchor(self) -> tuple[Any, int]:
        """The deepest task, and its depth, above every task under way whose ancestors are all
        finished: a walk for ready tasks from the root passes through it and finds nothing elsewhere."""
        tops = {id(top): top for top in map(self._top, self.live())}.values()
        paths = [self._path_from_anchor(top) for top in tops]
        if any(path is None for path in paths):  # the anchor left the tree: start from the root again
            self._anchor, self._anchor_depth = self.wf.task_tree, 0
            paths = [self._path_from_anchor(top) for top in tops]
        step = 0
        while paths and all(len(path) > step for path in paths) and \
                len({id(path[step]) for path in paths}) == 1 and self._anchor.state >= sw.COMPLETED:
            self._anchor, self._anchor_depth = paths[0][step], self._anchor_depth + 1
            step += 1
        return self._anchor, self._anchor_depth

    def ready_in_walk_order(self) -> list | None:
        """The ready tasks in the order the library's walk from the root meets them (depth first, a
        task before its children, children in order); None when that order is not plain to see (a
        ready task in a subprocess beside others, or near the depth where the library stops)."""
        ready = [t for t in self.live() if t.state == sw.READY]
        if len(ready) > 1 and any(t.workflow is not self.wf for t in ready):
            return None
        anchor, depth = self.anchor()
        paths = {t.id: self._path_from_anchor(self._top(t)) for t in ready}
        if any(path is None or depth + len(path) >= DEPTH_LIMIT - 1 for path in paths.values()):
            return None
        if len(ready) < 2:
            return ready
        return sorted(ready, key=lambda t: [node.parent._children.index(node.id) for node in paths[t.id]])

    def _top(self, task):
        """The top workflow's task a task belongs under (a subprocess's task: its call activity)."""
        while task.workflow is not self.wf:
            task = self.wf.get_task_from_id(task.workflow.parent_task_id)
        return task

    def _path_from_anchor(self, task) -> list | None:
        """The tasks from just below the anchor down to `task`; None when the anchor is not above it."""
        path = []
        while task is not None and task is not self._anchor:
            path.append(task)
            task = task.parent
        return path[::-1] if task is not None else None


class TrackedWorkflow(sw.BpmnWorkflow):
    """The re-run's workflow. Its searches for ready tasks (each engine step) and for waiting tasks
    (after each completed task) would walk the whole tree; they start at the tracker's anchor, or
    are skipped when nothing waits, and find the same tasks in the same order."""

    tracker: TaskTracker | None = None

    def get_tasks(self, first_task=None, **kwargs):
        if first_task is None and self.tracker is not None and kwargs == {"state": sw.READY}:
            ready = self.tracker.ready_in_walk_order()
            if ready is not None:
                return ready
            anchor, depth = self.tracker.anchor()
            return super().get_tasks(anchor, max_depth=DEPTH_LIMIT - depth, state=sw.READY)
        return super().get_tasks(first_task, **kwargs)

    def update_waiting_tasks(self) -> None:
        if self.tracker is not None and not self.tracker.any_waiting():
            return
        super().update_waiting_tasks()
