# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmarks against the peers: each script runs on its own, ``report.py`` runs them all (``make bench``)."""
