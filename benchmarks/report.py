"""Turn benchmarks/results/*.json into the summary table in README.md and results/chart.png."""

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, 'results')
README = os.path.join(HERE, 'README.md')
START, END = '<!-- results:start -->', '<!-- results:end -->'


def load(name):
    path = os.path.join(RESULTS, name + '.json')
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return json.load(handle)


def verdict(ok):
    return 'met' if ok else '**missed**'


def s(value):
    return '%.2f s' % value if value is not None else 'n/a'


def targets(b1, b2, b3, b2g=None):
    rows = []
    if b1:
        r, m = b1['ratios'], b1['medians']
        rows.append(('B1 no-op', '(a) >= 20x faster than (c)', '%s vs %s: %.1fx' % (s(m['a']['noop']), s(m['c']['noop']),
                                                                                    r['noop_c_over_a']),
                     verdict(r['noop_c_over_a'] >= 20)))
        rows.append(('B1 first converge', '(a) >= 4x faster than (c)',
                     '%s vs %s: %.1fx' % (s(m['a']['first']), s(m['c']['first']), r['first_c_over_a']),
                     verdict(r['first_c_over_a'] >= 4)))
        pi = b1['per_item_noop']
        rows.append(('B1 per item', '(b) >= 1.5x faster than (c)',
                     '%.0f ms vs %.0f ms per item: %.2fx (raw no-op/30: %.0f vs %.0f ms, %.2fx)' % (
                         pi['minus_one_task_floor']['b'] * 1000, pi['minus_one_task_floor']['c'] * 1000,
                         r['per_item_c_over_b'], pi['raw']['b'] * 1000, pi['raw']['c'] * 1000,
                         r['per_item_raw_c_over_b']),
                     verdict(r['per_item_c_over_b'] >= 1.5)))
    if b2:
        m = b2['medians']
        rows.append(('B2 (kill at once)', 'cleanup <= 1.3x the CLI one-liner', '%s vs %s: %.2fx' % (
            s(m['fleet']), s(m['cli']), b2['ratios']['fleet_over_cli']), verdict(b2['ratios']['fleet_over_cli'] <= 1.3)))
    if b2g:
        m = b2g['medians']
        rows.append(('B2 (graceful stop, 10 s)', 'cleanup <= 1.3x docker stop; rm; rmi', '%s vs %s: %.2fx' % (
            s(m['fleet']), s(m['cli']), b2g['ratios']['fleet_over_cli']),
            verdict(b2g['ratios']['fleet_over_cli'] <= 1.3)))
    if b3:
        m = b3['medians']
        rows.append(('B3 second run', '<= 1.5 s', s(m['fleet']['second']), verdict(m['fleet']['second'] <= 1.5)))
        rows.append(('B3 first run', '>= 10x faster than the per-file loop', '%s vs %s: %.1fx' % (
            s(m['fleet']['first']), s(m['community']['first']), b3['ratios']['first_community_over_fleet']),
            verdict(b3['ratios']['first_community_over_fleet'] >= 10)))
    return rows


def table(header, rows):
    out = ['| ' + ' | '.join(header) + ' |', '|' + '|'.join(['---'] * len(header)) + '|']
    out += ['| ' + ' | '.join(str(c) for c in row) + ' |' for row in rows]
    return '\n'.join(out)


def summary():
    meta, b1, b2, b3, b4, b2g = (load(n) for n in ('meta', 'b1', 'b2', 'b3', 'b4', 'b2_graceful'))
    lines = []
    if meta:
        mach, ver = meta['machine'], meta['versions']
        lines.append('Run %s on %s (%s CPUs, %s GB RAM, %s, kernel %s); Docker %s; %s; PyPI ansible %s with '
                     'community.docker %s; Docker SDK %s; medians of %s runs; total %s s.' % (
                         meta['date'], mach['cpu'], mach['cpus'], mach['memory_gb'], mach['os'], mach['kernel'],
                         ver['docker_engine'], ver['ansible_core'], ver['ansible_package'], ver['community_docker'],
                         ver['docker_sdk_fleet'], meta['reps'], meta.get('total_seconds')))
        if meta.get('failures'):
            lines.append('\nFailed benchmarks: %s' % ', '.join('%s (%s)' % (k, v[:200])
                                                               for k, v in meta['failures'].items()))
    lines.append('\n### Targets\n')
    lines.append(table(('benchmark', 'target', 'measured (median)', 'result'), targets(b1, b2, b3, b2g)))
    if b1:
        m = b1['medians']
        lines.append('\n### B1: one host, 30 containers (seconds, whole ansible-playbook run)\n')
        rows = [(b1['tools'][t], s(m[t]['first']), s(m[t]['noop']), s(m[t]['one_changed'])) for t in ('a', 'b', 'c')]
        rows.append(('one-task playbook (floor)', '', s(b1['baseline_one_task']['median']), ''))
        lines.append(table(('tool', 'first converge', 'no-op rerun', 'one item changed'), rows))
    if b2:
        lines.append('\n### B2: ancestor cleanup, 30 containers ignoring SIGTERM\n')
        rows = [(b2['tools'][t], s(b2['medians'][t])) for t in ('fleet', 'cli', 'community')]
        lines.append(table(('tool', 'median'), rows))
    if b2g:
        lines.append('\n### B2, graceful: the workflow\'s stop (10 s timeout), rm, rmi\n')
        lines.append(table(('tool', 'median'), [(b2g['tools'][t], s(b2g['medians'][t])) for t in ('fleet', 'cli')]))
        lines.append('\ncommunity.docker is not run here: its absent loop stops one container at a time, '
                     '30 x 10 s = 300 s per run by construction.')
    if b3:
        lines.append('\n### B3: copy a 200-file directory\n')
        lines.append(table(('tool', 'first run', 'second run'),
                           [(b3['tools'][t], s(b3['medians'][t]['first']), s(b3['medians'][t]['second']))
                            for t in ('fleet', 'community')]))
    if b4:
        lines.append('\n### B4: 5 lab hosts over SSH x 10 containers\n')
        lines.append(table(('tool', 'first converge', 'no-op'),
                           [(b4['tools'][t], s(b4['medians'][t]['first']), s(b4['medians'][t]['noop']))
                            for t in ('a', 'c')]))
        lines.append('\nRatios (community / fleet): first %.1fx, no-op %.1fx.' % (
            b4['ratios']['first_c_over_a'], b4['ratios']['noop_c_over_a']))
    return '\n'.join(lines) + '\n'


def chart():
    b1, b4 = load('b1'), load('b4')
    if not b1 and not b4:
        return
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    colors = dict(a='#2b8cbe', b='#7bccc4', c='#e34a33')
    for ax, data, phases, title in ((axes[0], b1, ('first', 'noop', 'one_changed'), 'B1: one host, 30 containers'),
                                    (axes[1], b4, ('first', 'noop'), 'B4: 5 lab hosts x 10 containers')):
        if not data:
            ax.set_visible(False)
            continue
        tools = [t for t in ('a', 'b', 'c') if t in data['medians']]
        width = 0.8 / len(tools)
        for i, tool in enumerate(tools):
            values = [data['medians'][tool][p] for p in phases]
            bars = ax.bar([x + i * width for x in range(len(phases))], values, width, label=data['tools'][tool],
                          color=colors[tool])
            for rect, value in zip(bars, values):
                ax.annotate('%.1f' % value, (rect.get_x() + rect.get_width() / 2, value), ha='center', va='bottom',
                            fontsize=7)
        ax.set_xticks([x + width * (len(tools) - 1) / 2 for x in range(len(phases))])
        ax.set_xticklabels([p.replace('_', ' ') for p in phases])
        ax.set_ylabel('seconds (median, whole playbook run)')
        ax.set_title(title)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(RESULTS, 'chart.png'), dpi=110)


def main():
    text = summary()
    with open(os.path.join(RESULTS, 'summary.md'), 'w') as handle:
        handle.write(text)
    if os.path.exists(README):
        with open(README) as handle:
            readme = handle.read()
        if START in readme and END in readme:
            before, rest = readme.split(START, 1)
            after = rest.split(END, 1)[1]
            with open(README, 'w') as handle:
                handle.write(before + START + '\n' + text + END + after)
    chart()


if __name__ == '__main__':
    main()
