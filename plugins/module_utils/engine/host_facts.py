# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Engine facts and `docker system df` style disk usage, computed from API answers."""

from __future__ import annotations


def _size(value):
    # The engine reports -1 for sizes it did not compute.
    return value if isinstance(value, int) and value > 0 else 0


def summarize_disk_usage(df):
    """Per kind: count, active, size and reclaimable bytes, the way `docker system df` counts them."""
    images = df.get('Images') or []
    containers = df.get('Containers') or []
    volumes = df.get('Volumes') or []
    cache = df.get('BuildCache') or []

    images_size = _size(df.get('LayersSize'))
    images_used = sum(_size(i.get('Size')) - _size(i.get('SharedSize'))
                      for i in images if i.get('Containers', 0) > 0)
    active_states = ('running', 'paused', 'restarting')
    return dict(
        images=dict(total=len(images), active=sum(1 for i in images if i.get('Containers', 0) > 0),
                    size=images_size, reclaimable=max(images_size - images_used, 0)),
        containers=dict(total=len(containers),
                        active=sum(1 for c in containers if c.get('State') in active_states),
                        size=sum(_size(c.get('SizeRw')) for c in containers),
                        reclaimable=sum(_size(c.get('SizeRw')) for c in containers
                                        if c.get('State') not in active_states)),
        volumes=dict(total=len(volumes),
                     active=sum(1 for v in volumes if (v.get('UsageData') or {}).get('RefCount', 0) > 0),
                     size=sum(_size((v.get('UsageData') or {}).get('Size')) for v in volumes),
                     reclaimable=sum(_size((v.get('UsageData') or {}).get('Size')) for v in volumes
                                     if (v.get('UsageData') or {}).get('RefCount', 0) == 0)),
        build_cache=dict(total=len(cache), active=sum(1 for b in cache if b.get('InUse')),
                         size=sum(_size(b.get('Size')) for b in cache),
                         reclaimable=sum(_size(b.get('Size')) for b in cache
                                         if not b.get('InUse') and not b.get('Shared'))),
    )


def summarize_engine(version, info):
    """Engine identity and object counts from /version and /info."""
    return dict(
        engine=dict(
            version=version.get('Version'), api_version=version.get('ApiVersion'),
            min_api_version=version.get('MinAPIVersion'), os=info.get('OperatingSystem'),
            os_type=info.get('OSType'), kernel_version=info.get('KernelVersion'),
            architecture=info.get('Architecture'), storage_driver=info.get('Driver'),
            cgroup_driver=info.get('CgroupDriver'), docker_root_dir=info.get('DockerRootDir'),
            id=info.get('ID'), name=info.get('Name'), cpus=info.get('NCPU'), memory=info.get('MemTotal'),
        ),
        containers=dict(total=info.get('Containers', 0), running=info.get('ContainersRunning', 0),
                        paused=info.get('ContainersPaused', 0), stopped=info.get('ContainersStopped', 0)),
        images=dict(total=info.get('Images', 0)),
    )


def gather(client, disk_usage=True):
    result = summarize_engine(client.version(), client.info())
    if disk_usage:
        df = client.df()
        result['volumes'] = dict(total=len(df.get('Volumes') or []))
        result['disk_usage'] = summarize_disk_usage(df)
    else:
        result['volumes'] = dict(total=len(client.volumes().get('Volumes') or []))
    return result
