const {Parser, Language} = require('web-tree-sitter');
(async()=>{
  await Parser.init();
  const lang = await Language.load(require.resolve('tree-sitter-python/tree-sitter-python.wasm'));
  const p = new Parser(); p.setLanguage(lang);
  const src = `import os.path, a.b as c
from x.y import (z as w, q)
from . import r
from .m import *
with open(f) as fh, g() as (a, b):
    pass
try:
    pass
except E as e:
    pass
def f(a, b=1, *args, c: int = 2, d: str, **kw): pass
lam = lambda x, y=2: x
for i, (j, k) in z: pass
[v for v in r if (n := v)]
global gg
x: int = 5
torch.save(model.state_dict(), f"{p}.pt")
`;
  console.log(p.parse(src).rootNode.toString());
})();
