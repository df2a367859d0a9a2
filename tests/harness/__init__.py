# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local test cloud for cloudmesh.libcloud: moto, corrected where its EC2 wire format breaks libcloud."""
