"""swarm plan: leaving is the way out of the pending/error/locked states (the swarm role's rejoin of a node the
cluster removed while its engine was down: that engine comes back pending); everything else still refuses."""

import pytest

from ansible_collections.fleet.docker.plugins.module_utils.swarm import plan
from ansible_collections.fleet.docker.plugins.module_utils.swarm.errors import SwarmError


def _params(**kw):
    base = dict(state='present', listen_addr='0.0.0.0:2377', force=False, rotate_worker_token=False,
                rotate_manager_token=False)
    base.update(kw)
    return base


@pytest.mark.parametrize('stuck', ['pending', 'error', 'locked'])
def test_leave_from_a_stuck_state(stuck):
    local = {'LocalNodeState': stuck, 'NodeID': 'gone1', 'Error': 'node is removed'}
    leave = plan.decide(_params(state='absent', force=True), local)
    assert leave.steps == [('leave', (True,))]
    assert leave.before == dict(state=stuck) and leave.after == dict(state='inactive')
    for params in (_params(), _params(join_token='t', remote_addrs=['10.0.0.1']), _params(state='remove', node_id='x')):
        with pytest.raises(SwarmError, match='resolve it first'):
            plan.decide(params, local)
