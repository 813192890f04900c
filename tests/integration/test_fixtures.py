from fleet_testlib import run_module


def test_web_repo_copy_is_pullable(engine, web_repo):
    engine.pull(web_repo['repo'], tag='1.0')
    assert engine.inspect_image(web_repo['repo'] + ':1.0')['Id']
    assert not run_module('host_info', {'disk_usage': False}).failed
