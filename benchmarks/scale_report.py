"""B5 (issue #18): results/b5.json (+ levers.json, profile_noop*.json) -> README section and results/b5_chart.png.

Run by bench.py after B5, or by hand: .venv-bench/bin/python benchmarks/scale_report.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, 'results')
README = os.path.join(HERE, 'README.md')
START, END = '<!-- b5:start -->', '<!-- b5:end -->'


def load(name):
    path = os.path.join(RESULTS, name + '.json')
    return json.load(open(path)) if os.path.exists(path) else None


def f(value, unit=' s'):
    return 'n/a' if value is None else '%.2f%s' % (value, unit)


def chart(b5):
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    sizes = b5['sizes']
    m = b5['medians']
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for tool, phase, style, label in (('a', 'first', 'o-', 'fleet.docker.containers first converge'),
                                      ('a', 'noop', 'o--', 'fleet.docker.containers no-op'),
                                      ('c', 'first', 's-', 'community.docker loop first converge'),
                                      ('c', 'noop', 's--', 'community.docker loop no-op'),
                                      ('floor', 'noop', 'k:', 'one-task ping (floor)')):
        ax.plot(sizes, [m[str(n)][tool][phase] for n in sizes], style, label=label)
    ax.set_xlabel('lab hosts (10 containers each, forks = hosts)')
    ax.set_ylabel('seconds (median, whole ansible-playbook run)')
    ax.set_xticks(sizes)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title('B5: time against hosts (one 2-CPU machine runs controller and hosts)')
    fig.tight_layout()
    fig.savefig(os.path.join(RESULTS, 'b5_chart.png'), dpi=110)
    return True


def section():
    b5 = load('b5')
    if not b5:
        return None
    meta = load('meta_b5') or load('meta') or {}
    sizes, m, mg = b5['sizes'], b5['medians'], b5['marginal_per_host']
    lines = []
    if meta:
        mach, ver = meta.get('machine', {}), meta.get('versions', {})
        lines.append('Run %s on %s (%s CPUs, %s GB RAM); %s; community.docker %s; medians of %d; B5 total %s s.' % (
            meta.get('date'), mach.get('cpu'), mach.get('cpus'), mach.get('memory_gb'), ver.get('ansible_core'),
            ver.get('community_docker'), b5['reps'], meta.get('total_seconds')))
        lines.append('')
    lines.append('| hosts | fleet first | fleet no-op | community first | community no-op | floor (ping) | '
                 'fleet no-op / floor | controller CPU, fleet no-op | controller peak RSS, fleet no-op |')
    lines.append('|---|---|---|---|---|---|---|---|---|')
    for n in sizes:
        r = m[str(n)]
        lines.append('| %d | %s | %s | %s | %s | %s | %.2fx | %s | %s |' % (
            n, f(r['a']['first']), f(r['a']['noop']), f(r['c']['first']), f(r['c']['noop']), f(r['floor']['noop']),
            b5['ratios'][str(n)]['noop_a_over_floor'], f(r['a']['noop_cpu']), f(r['a']['noop_peak_rss_mb'], ' MB')))
    lines.append('')
    lines.append('Marginal cost per added host (least-squares slope over %s hosts):' % ', '.join(map(str, sizes)))
    lines.append('')
    lines.append('| tool | first converge | no-op | controller CPU per host, no-op |')
    lines.append('|---|---|---|---|')
    for tool, name in (('a', 'fleet.docker.containers'), ('c', 'community.docker loop'), ('floor', 'ping floor')):
        lines.append('| %s | %s | %s | %s |' % (name, f(mg[tool].get('first')), f(mg[tool].get('noop')),
                                                f(mg[tool].get('noop_cpu'))))
    prof = load('profile_noop')
    prof10 = load('profile_noop10')
    if prof or prof10:
        lines.append('')
        for p in (prof10, prof):
            if p:
                lines.append('Module peak RSS (direct run, %d containers, no controller): %.1f MB; direct no-op '
                             'median %.3f s.' % (p['containers'], p['module_peak_rss_mb'], p['noop_median']))
    lines.append('')
    lines.append('![B5](results/b5_chart.png)')
    return '\n'.join(lines)


def main():
    text = section()
    if text is None:
        return
    chart(load('b5'))
    readme = open(README).read()
    block = START + '\n' + text + '\n' + END
    if START in readme:
        head, rest = readme.split(START, 1)
        readme = head + block + rest.split(END, 1)[1]
    else:
        readme = readme.rstrip('\n') + '\n\n## B5: scale curve (issue #18)\n\n' + block + '\n'
    with open(README, 'w') as handle:
        handle.write(readme)
    print(text)


if __name__ == '__main__':
    main()
