import t from 'tap';
import { formatDuration, parseDuration } from './duration.ts';

t.test('parses Go-style durations, plus days', async (t) => {
  const rows: Array<[string, number | undefined]> = [
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['3500ms', 3500],
    ['4s', 4000],
    ['1.5s', 1500],
    ['14d', 1_209_600_000],
    ['2160h', 7_776_000_000],
    [' 2s ', 2000],
    ['0', 0],
    ['', undefined],
    ['10', undefined],
    ['10 m', undefined],
    ['m', undefined],
    ['-1s', undefined],
    ['1w', undefined],
    ['1h-', undefined],
  ];
  for (const [text, ms] of rows) t.equal(parseDuration(text), ms, JSON.stringify(text));
});

t.test('formats the shortest exact spelling, which parses back', async (t) => {
  for (const ms of [600_000, 1500, 86_400_000, 7_200_000, 2000, 1, 90_000]) t.equal(parseDuration(formatDuration(ms)), ms, String(ms));
  t.same([formatDuration(600_000), formatDuration(1500), formatDuration(86_400_000), formatDuration(90_000)], ['10m', '1500ms', '1d', '90s']);
});
