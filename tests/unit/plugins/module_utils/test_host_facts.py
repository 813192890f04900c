from ansible_collections.fleet.docker.plugins.module_utils.engine.host_facts import summarize_disk_usage, summarize_engine

DF = {
    'LayersSize': 1000,
    'Images': [
        {'Id': 'a', 'Size': 600, 'SharedSize': 100, 'Containers': 1},
        {'Id': 'b', 'Size': 300, 'SharedSize': 100, 'Containers': 0},
        {'Id': 'c', 'Size': 100, 'SharedSize': -1, 'Containers': 0},
    ],
    'Containers': [
        {'State': 'running', 'SizeRw': 10},
        {'State': 'exited', 'SizeRw': 20},
        {'State': 'created', 'SizeRw': -1},
    ],
    'Volumes': [
        {'UsageData': {'RefCount': 1, 'Size': 50}},
        {'UsageData': {'RefCount': 0, 'Size': 70}},
        {'UsageData': {'RefCount': 0, 'Size': -1}},
    ],
    'BuildCache': [
        {'Size': 5, 'InUse': False, 'Shared': False},
        {'Size': 7, 'InUse': True, 'Shared': False},
    ],
}


def test_images_reclaimable_counts_only_unused_unshared_bytes():
    du = summarize_disk_usage(DF)
    assert du['images'] == {'total': 3, 'active': 1, 'size': 1000, 'reclaimable': 500}


def test_containers_reclaimable_is_stopped_writable_layers():
    du = summarize_disk_usage(DF)
    assert du['containers'] == {'total': 3, 'active': 1, 'size': 30, 'reclaimable': 20}


def test_volumes_and_cache():
    du = summarize_disk_usage(DF)
    assert du['volumes'] == {'total': 3, 'active': 1, 'size': 120, 'reclaimable': 70}
    assert du['build_cache'] == {'total': 2, 'active': 1, 'size': 12, 'reclaimable': 5}


def test_empty_df_is_all_zero():
    du = summarize_disk_usage({})
    assert all(v == {'total': 0, 'active': 0, 'size': 0, 'reclaimable': 0} for v in du.values())


def test_engine_summary_fields():
    facts = summarize_engine({'Version': '20.10.24', 'ApiVersion': '1.41'},
                             {'OperatingSystem': 'Debian', 'Driver': 'overlay2', 'Containers': 3,
                              'ContainersRunning': 2, 'ContainersPaused': 0, 'ContainersStopped': 1, 'Images': 4})
    assert facts['engine']['version'] == '20.10.24'
    assert facts['engine']['storage_driver'] == 'overlay2'
    assert facts['containers'] == {'total': 3, 'running': 2, 'paused': 0, 'stopped': 1}
    assert facts['images'] == {'total': 4}
