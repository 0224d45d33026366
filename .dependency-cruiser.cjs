// The layering the code must keep (README "Architecture"): each layer imports only from the
// layers below it, never sideways between probes and modules, never upward, and no file takes
// part in an import cycle. Type-only imports count: a type that reaches upward ties the layers
// together as surely as a value does. `npm test` runs this (npm run lint).

const ORDER = [['core'], ['exec'], ['facts'], ['probes', 'modules'], ['engine'], ['report'], ['cli']];
const ALL = ORDER.flat();

const layerRules = ORDER.flatMap((group, rank) =>
  group.map((layer) => {
    const allowed = new Set([...ORDER.slice(0, rank).flat(), layer]);
    const forbidden = ALL.filter((l) => !allowed.has(l));
    return {
      name: `layer-${layer}`,
      comment: `${layer} may import only from ${[...allowed].join(', ')}`,
      severity: 'error',
      from: { path: `^src/${layer}/` },
      to: { path: `^src/(${forbidden.join('|')})/` },
    };
  }),
);

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'an import cycle makes load order and layering meaningless',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'in-a-layer',
      comment: `every source file lives in one of the layers: ${ALL.join(', ')}`,
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/(${ALL.join('|')})/` },
      to: {},
    },
    {
      name: 'no-tests-in-src',
      comment: 'the product never imports test code',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
