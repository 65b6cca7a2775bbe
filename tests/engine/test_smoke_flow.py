from engine import commands, queries
from engine.audit import chain as audit


def test_approval_path_runs_to_completion(deploy, users):
    [result] = deploy("t_approval")
    assert (result.process_id, result.version, result.created) == ("t_approval", 1, True)
    instance = commands.start_instance(process_id="t_approval", data={"customer_name": "华西机械"},
                                       actor=users["sales1"])
    assert instance.status == "running"
    [review] = queries.tasks_of(instance.id, "ready")
    assert (review.element_id, review.role) == ("review", "service_desk")
    instance = commands.complete_task(task_id=review.id, data={"approved": True, "comment": "ok"},
                                      actor=users["desk1"])
    [notify] = queries.tasks_of(instance.id, "ready")
    assert notify.element_id == "notify" and notify.role == "sales"
    instance = commands.complete_task(task_id=notify.id, data={}, actor=users["sales1"])
    assert instance.status == "completed"
    types = [e.type for e in audit.events_of(instance.id)]
    assert types[0] == "instance_started" and types[-1] == "instance_completed"
    assert "gateway_taken" in types
    assert audit.verify_all().ok
