"""python -m pipelines.synth --episodes N --seed S --days D --out DIR [--add-day]"""

from pipelines.synth.generator import main

main()
