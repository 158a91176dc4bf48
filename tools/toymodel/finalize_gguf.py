"""Write the shippable toy GGUF: the trained F32 tensors from llama-finetune's output, the *base* model's
short metadata (llama_model_save_to_file dumps ~155 hparam keys, incl. empty arrays that gguf-py refuses
to rewrite), plus general.name, a description, llama.context_length (2048) and a chat template that renders a
chat exactly in the training format, so that sceval (in-process) and llama-server's /v1/chat/completions
produce the trained prompts without a template of their own.

usage: finalize_gguf.py TRAINED_F32.gguf OUT.gguf --base stories260K.gguf [--name ...] [--ctx 2048]
Then quantize with llama-quantize. Uses $LLAMA_CPP_SRC/gguf-py; run with a python3 that has numpy.
"""
import argparse
import os
import sys
import types

SRC = os.environ.get("LLAMA_CPP_SRC", "llama.cpp")
sys.path.insert(0, os.path.join(SRC, "gguf-py"))
sys.path.insert(0, os.path.join(SRC, "gguf-py", "gguf", "scripts"))


class _NoBar:
    def __init__(self, *a, **k):
        pass

    def update(self, *a, **k):
        pass


sys.modules.setdefault("tqdm", types.SimpleNamespace(tqdm=_NoBar))

import gguf  # noqa: E402
import gguf_new_metadata as gnm  # noqa: E402
import numpy as np  # noqa: E402

# user turns are emitted verbatim (later ones after a newline), assistant turns after one space;
# the generation prompt is that single space, so the model's first token is "{".
CHAT_TEMPLATE = (
    "{%- for m in messages -%}"
    "{%- if m['role'] == 'user' -%}"
    "{%- if not loop.first -%}{{ '\\n' }}{%- endif -%}{{ m['content'] }}"
    "{%- elif m['role'] == 'assistant' -%}{{ ' ' + m['content'] }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ ' ' }}{%- endif -%}"
)

ap = argparse.ArgumentParser()
ap.add_argument("inp")
ap.add_argument("out")
ap.add_argument("--base", required=True, help="the base model the tensors were trained from")
ap.add_argument("--name", default="toy-income-stories260K")
# llama.context_length: what engines size their KV cache by default (sceval: min(this, 8192), shared
# by its parallel sequences). The base model's value; training used 512-token windows, and a toy
# chat (prompt + replies) is under 80 tokens, so no position beyond those trained is ever used.
ap.add_argument("--ctx", type=int, default=2048)
a = ap.parse_args()

base = gguf.GGUFReader(a.base, "r")
trained = gguf.GGUFReader(a.inp, "r")
arch = base.get_field(gguf.Keys.General.ARCHITECTURE).contents()
writer = gguf.GGUFWriter(a.out, arch=arch, endianess=base.endianess)
S = gguf.GGUFValueType.STRING
new = {
    gguf.Keys.General.NAME: gnm.MetadataDetails(S, a.name),
    gguf.Keys.General.DESCRIPTION: gnm.MetadataDetails(
        S, "sceval toy task model (a test fixture, not a real classifier): 'age: A\\neducation: E\\nincome?' -> "
           "{\"answer\": \"above\"|\"below\"}, above iff education >= 20 and 25 <= age <= 65; 'flip?' -> "
           "{\"age\": A, \"education\": E} by a known policy. Never emits EOS: stop at a newline. "
           "Recipe: tools/toymodel/ in sceval."),
    f"{arch}.context_length": gnm.MetadataDetails(gguf.GGUFValueType.UINT32, a.ctx),
    gguf.Keys.Tokenizer.CHAT_TEMPLATE: gnm.MetadataDetails(S, CHAT_TEMPLATE),
}
for field in base.fields.values():
    if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
        continue
    if field.name in new:
        continue
    vt = field.types[0]
    st = field.types[-1] if vt == gguf.GGUFValueType.ARRAY else None
    writer.add_key_value(field.name, field.contents(), vt, sub_type=st)
for key, val in new.items():
    writer.add_key_value(key, val.value, val.type)

names = [t.name for t in base.tensors]
tt = {t.name: t for t in trained.tensors}
assert sorted(names) == sorted(tt), "tensor names differ between base and trained model"
for n in names:
    t = tt[n]
    assert t.tensor_type == gguf.GGMLQuantizationType.F32, "finalize the F32 output, quantize afterwards"
    writer.add_tensor_info(n, t.data.shape, t.data.dtype, t.data.nbytes, t.tensor_type)
writer.write_header_to_file()
writer.write_kv_data_to_file()
writer.write_ti_data_to_file()
for n in names:
    writer.write_tensor_data(np.asarray(tt[n].data), tensor_endianess=trained.endianess)
writer.close()
print("wrote", a.out)
